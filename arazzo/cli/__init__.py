"""The ``arazzo`` command line: ``validate``, ``list``, ``describe``, ``graph``, ``run`` and
``runs``, each in its own module, on the public Python API."""

from arazzo.cli._main import (
    COMMANDS,
    UsageError,
    access_kwargs,
    add_access_options,
    add_criterion_option,
    build_parser,
    choose_workflow,
    console_main,
    criterion_types,
    load_document,
    main,
    openapi_sources,
)

__all__ = [
    "COMMANDS",
    "UsageError",
    "access_kwargs",
    "add_access_options",
    "add_criterion_option",
    "build_parser",
    "choose_workflow",
    "console_main",
    "criterion_types",
    "load_document",
    "main",
    "openapi_sources",
]
