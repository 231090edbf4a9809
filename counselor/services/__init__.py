"""Domain logic with no HTTP in it: the web pages, the API, the CLI and the
Celery tasks all call these functions, so each rule lives in one place."""
