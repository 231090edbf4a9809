"""The API's marshmallow schemas, one module per feature: ``XSchema`` dumps, ``XArgs`` loads."""
