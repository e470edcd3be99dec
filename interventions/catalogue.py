"""The default intervention catalogue (SPEC section 2): 21 types in 4 groups. The
2026 reform ends revalidering and jobrotation for new cases; their end date here is
an assumption to confirm against the final rules (old records keep them either way)."""

from __future__ import annotations

from datetime import date

REFORM_END = date(2026, 6, 30)

TYPES = [
    # code, group, Danish, English, valid_to
    (
        "labour_market_knowledge",
        "job_directed",
        "Viden om arbejdsmarkedet",
        "Knowledge of the labour market",
        None,
    ),
    ("job_search", "job_directed", "Jobsøgning", "Job search", None),
    (
        "mentor",
        "job_directed",
        "Mentor i virksomhed, uddannelse eller jobcenter",
        "Company, education or job-centre mentor",
        None,
    ),
    (
        "internal_practice",
        "job_directed",
        "Intern arbejdspraktik",
        "Internal work practice",
        None,
    ),
    (
        "company_internship",
        "job_directed",
        "Virksomhedspraktik",
        "External work practice",
        None,
    ),
    ("company_centre", "job_directed", "Virksomhedscenter", "Company centre", None),
    ("wage_subsidy", "job_directed", "Løntilskud", "Wage subsidy", None),
    ("temp_hours", "job_directed", "Vikartimer", "Temp hours", None),
    ("job_rotation", "job_directed", "Jobrotation", "Job rotation", REFORM_END),
    ("general_education", "upskilling", "Almen uddannelse", "General education", None),
    (
        "vocational_education",
        "upskilling",
        "Erhvervsrettet uddannelse",
        "Vocational education",
        None,
    ),
    (
        "pre_rehabilitation",
        "upskilling",
        "Forrevalidering",
        "Pre-rehabilitation",
        REFORM_END,
    ),
    (
        "rehabilitation",
        "upskilling",
        "Revalidering",
        "Rehabilitation (revalidering)",
        REFORM_END,
    ),
    (
        "social_skills",
        "social",
        "Sociale og personlige kompetencer",
        "Social and personal skills",
        None,
    ),
    ("network", "social", "Styrkelse af netværk", "Strengthening network", None),
    ("everyday_coping", "social", "Hverdagsmestring", "Everyday coping", None),
    (
        "social_mentor",
        "social",
        "Social mentor eller støtte- og kontaktperson",
        "Social mentor or support contact",
        None,
    ),
    ("diet_exercise", "health", "Kost og motion", "Diet and exercise", None),
    (
        "assessment_treatment",
        "health",
        "Udredning og behandling, inkl. genoptræning",
        "Assessment and treatment, incl. rehabilitation training",
        None,
    ),
    (
        "health_coping",
        "health",
        "Mestring af psykisk eller fysisk helbred",
        "Coping with mental or physical health",
        None,
    ),
    (
        "addiction_treatment",
        "health",
        "Misbrugsbehandling",
        "Addiction treatment",
        None,
    ),
]
