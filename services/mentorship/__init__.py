"""Mentorship: four mentors for every trainee, one talk a month, training and key projects."""
