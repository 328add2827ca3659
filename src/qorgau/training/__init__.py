"""Training centre: courses, lessons and quizzes, enrolments, certificates, and the technical inspectors' training cycle."""
