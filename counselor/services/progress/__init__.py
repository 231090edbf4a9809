"""Progress: the week rules, readiness, the nightly compile, live figures, charts."""
