"""Read models: what the dashboard, the partner page and the API's lists show."""
