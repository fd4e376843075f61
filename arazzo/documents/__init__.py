"""Documents: loading Arazzo and OpenAPI files under the access policy, their models, operation
lookup and validation."""
