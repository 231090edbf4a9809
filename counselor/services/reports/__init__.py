"""Pre-session reports: building their data, preparing and storing the PDFs."""
