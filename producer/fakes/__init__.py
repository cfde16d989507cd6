"""Local fakes of the services ticketflow talks to (helpdesks), for tests and runs by hand."""
