"""Pydantic models of every Arazzo 1.0.x object (inventory sections B-K).

Field names are snake_case in Python and camelCase (the spec's names) in documents. Everything is
frozen. ``x-`` extensions are kept and reachable through ``.extensions``; any other unknown field is
an error (EXT-02). Arazzo 1.1 adds fields to several of these objects (inventory section U): a 1.1
model set can subclass these classes and register itself in ``SPEC_VERSIONS``.
"""

# No ``from __future__ import annotations`` in the model modules: pydantic would then evaluate
# every field annotation from its string (a compile() each), which made importing the models
# ~20 ms slower on the CLI's cold start (tests/cli/test_cold_start.py checks).

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag

from arazzo.documents.models._base import ArazzoModel

__all__ = [
    "ArazzoSpecification",
    "Components",
    "Criterion",
    "CriterionExpressionType",
    "FailureAction",
    "Info",
    "Parameter",
    "PayloadReplacement",
    "RequestBody",
    "ReusableObject",
    "SourceDescription",
    "Step",
    "SuccessAction",
    "Workflow",
]


class Info(ArazzoModel):
    """INF-01."""

    title: str
    version: str
    summary: str | None = None
    description: str | None = None


class SourceDescription(ArazzoModel):
    """SRC-01..05. ``type`` is ``openapi`` or ``arazzo``; sniffed from the document when omitted."""

    name: str
    url: str
    type: Literal["openapi", "arazzo"] | None = None


class CriterionExpressionType(ArazzoModel):
    """CRI-09: selects an older JSONPath/XPath dialect (or the version of a custom type)."""

    type: str
    version: str


class Criterion(ArazzoModel):
    """CRI-01..12. ``type`` defaults to ``simple``. Any type name is accepted here: which
    types exist is decided by the ``CriterionTypes`` a document is validated and run with
    (CRI-03; the default knows ``simple``, ``regex``, ``jsonpath`` and ``xpath``)."""

    condition: str
    context: str | None = None
    type: str | CriterionExpressionType | None = None

    @property
    def type_name(self) -> str:
        if self.type is None:
            return "simple"
        if isinstance(self.type, CriterionExpressionType):
            return self.type.type
        return self.type

    @property
    def type_version(self) -> str | None:
        return self.type.version if isinstance(self.type, CriterionExpressionType) else None


class ReusableObject(ArazzoModel):
    """REU-01..04. Extra properties MUST be ignored (REU-03): kept, reported as a warning."""

    allow_unknown: ClassVar[bool] = True

    reference: str
    value: Any = None

    @property
    def has_value(self) -> bool:
        return "value" in self.model_fields_set


class Parameter(ArazzoModel):
    """PAR-01..07. ``in`` is absent for parameters passed to a workflow."""

    name: str
    in_: Literal["path", "query", "header", "cookie"] | None = Field(default=None, alias="in")
    value: Any


class PayloadReplacement(ArazzoModel):
    """PR-01/02. ``value`` may be any JSON value (the official schema's string-only is a bug)."""

    target: str
    value: Any


class RequestBody(ArazzoModel):
    """RB-01..05."""

    content_type: str | None = None
    payload: Any = None
    replacements: list[PayloadReplacement] | None = None

    @property
    def has_payload(self) -> bool:
        return "payload" in self.model_fields_set


class SuccessAction(ArazzoModel):
    """ACT-01."""

    name: str
    type: Literal["end", "goto"]
    workflow_id: str | None = None
    step_id: str | None = None
    criteria: list[Criterion] | None = None


class FailureAction(ArazzoModel):
    """ACT-02."""

    name: str
    type: Literal["end", "goto", "retry"]
    workflow_id: str | None = None
    step_id: str | None = None
    retry_after: float | None = Field(default=None, ge=0)
    retry_limit: int | None = Field(default=None, ge=0)
    criteria: list[Criterion] | None = None


def _reusable_or(kind: str) -> Any:
    def discriminate(value: Any) -> str:
        if isinstance(value, dict):
            return "reusable" if "reference" in value else kind
        return "reusable" if isinstance(value, ReusableObject) else kind

    return discriminate


ParameterOrReusable = Annotated[
    Annotated[Parameter, Tag("parameter")] | Annotated[ReusableObject, Tag("reusable")],
    Discriminator(_reusable_or("parameter")),
]
SuccessActionOrReusable = Annotated[
    Annotated[SuccessAction, Tag("action")] | Annotated[ReusableObject, Tag("reusable")],
    Discriminator(_reusable_or("action")),
]
FailureActionOrReusable = Annotated[
    Annotated[FailureAction, Tag("action")] | Annotated[ReusableObject, Tag("reusable")],
    Discriminator(_reusable_or("action")),
]


class Step(ArazzoModel):
    """STP-01..12: exactly one of operationId, operationPath, workflowId."""

    step_id: str
    description: str | None = None
    operation_id: str | None = None
    operation_path: str | None = None
    workflow_id: str | None = None
    parameters: list[ParameterOrReusable] | None = None
    request_body: RequestBody | None = None
    success_criteria: list[Criterion] | None = None
    on_success: list[SuccessActionOrReusable] | None = None
    on_failure: list[FailureActionOrReusable] | None = None
    outputs: dict[str, str] | None = None

    @property
    def target_kind(self) -> str:
        """``operationId``, ``operationPath`` or ``workflowId``."""
        if self.operation_id is not None:
            return "operationId"
        if self.operation_path is not None:
            return "operationPath"
        return "workflowId"


class Workflow(ArazzoModel):
    """WF-01..10."""

    workflow_id: str
    summary: str | None = None
    description: str | None = None
    inputs: dict[str, Any] | None = None
    depends_on: list[str] | None = None
    steps: list[Step]
    success_actions: list[SuccessActionOrReusable] | None = None
    failure_actions: list[FailureActionOrReusable] | None = None
    outputs: dict[str, str] | None = None
    parameters: list[ParameterOrReusable] | None = None

    def step(self, step_id: str) -> Step | None:
        for step in self.steps:
            if step.step_id == step_id:
                return step
        return None


class Components(ArazzoModel):
    """CMP-01..04."""

    inputs: dict[str, dict[str, Any]] | None = None
    parameters: dict[str, Parameter] | None = None
    success_actions: dict[str, SuccessAction] | None = None
    failure_actions: dict[str, FailureAction] | None = None


class ArazzoSpecification(ArazzoModel):
    """The root object (DOC-01..06)."""

    arazzo: str
    info: Info
    source_descriptions: list[SourceDescription]
    workflows: list[Workflow]
    components: Components | None = None

    def workflow(self, workflow_id: str) -> Workflow | None:
        for workflow in self.workflows:
            if workflow.workflow_id == workflow_id:
                return workflow
        return None

    def source(self, name: str) -> SourceDescription | None:
        for source in self.source_descriptions:
            if source.name == name:
                return source
        return None
