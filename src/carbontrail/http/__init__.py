"""What the API and the pages share: request context and dependencies, who is asking, and the error mapping."""
