"""Transports: the default keep-alive HTTP/1.1 client and the adapter that sends a request over
any httpx transport."""
