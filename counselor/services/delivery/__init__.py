"""What leaves the service: the outbox engine, email, webhooks, reminders."""
