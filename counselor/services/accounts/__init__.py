"""Who uses the service: counselor accounts, API keys, host launch, settings."""
