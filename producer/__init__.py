"""ticketflow producers: everything that puts tickets on the queue."""
