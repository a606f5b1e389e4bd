"""Mentorship's rules, by subject: ``assignments`` (eligibility, capacity, gaps, keeping
them true, coverage), ``talks`` (talks, follow-ups, compliance), ``training`` (events,
attendance, hours, key projects, showcases). No Flask here."""
