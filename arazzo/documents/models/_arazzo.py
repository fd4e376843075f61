"""Pydantic models of every Arazzo 1.0.x and 1.1.x object (inventory sections B-K,
docs/spec-1.1.md).

Field names are snake_case in Python and camelCase (the spec's names) in documents. Everything is
frozen. ``x-`` extensions are kept and reachable through ``.extensions``; any other unknown field is
an error (EXT-02). One model serves both versions: the fields and values Arazzo 1.1 added are
errors in a document validated as 1.0 (``since_1_1``, and the validators below that read the
version from the validation context the loader passes), so a 1.0 document means what it always
meant (V11-VER-01).
"""

# No ``from __future__ import annotations`` in the model modules: pydantic would then evaluate
# every field annotation from its string (a compile() each), which made importing the models
# ~20 ms slower on the CLI's cold start (tests/cli/test_cold_start.py checks).

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from arazzo.documents.models._base import ArazzoModel, spec_minor, v11_only

__all__ = [
    "DEFAULT_EXPRESSION_VERSIONS",
    "SELECTOR_TYPES",
    "ArazzoSpecification",
    "Components",
    "Criterion",
    "CriterionExpressionType",
    "ExpressionType",
    "FailureAction",
    "Info",
    "Parameter",
    "PayloadReplacement",
    "RequestBody",
    "ReusableObject",
    "Selector",
    "SourceDescription",
    "Step",
    "SuccessAction",
    "Workflow",
    "is_selector_like",
]

#: the selector expression types of 1.1 (V11-SEL-04, V11-RBD-03)
SELECTOR_TYPES = ("jsonpath", "xpath", "jsonpointer")
#: the version a type means when none is named (V11-SEL-08, V11-SEL-10)
DEFAULT_EXPRESSION_VERSIONS = {"jsonpath": "rfc9535", "xpath": "xpath-31",
                               "jsonpointer": "rfc6901"}


def _only_in_1_1(info: ValidationInfo, what: str) -> None:
    if spec_minor(info) == "1.0":
        raise ValueError(v11_only(what))


class Info(ArazzoModel):
    """INF-01."""

    title: str
    version: str
    summary: str | None = None
    description: str | None = None


class SourceDescription(ArazzoModel):
    """SRC-01..05. ``type`` is ``openapi`` or ``arazzo`` (and ``asyncapi`` from 1.1 on,
    V11-SRC-01); sniffed from the document when omitted."""

    name: str
    url: str
    type: Literal["openapi", "arazzo", "asyncapi"] | None = None

    @field_validator("type")
    @classmethod
    def _asyncapi_is_1_1(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value == "asyncapi":
            _only_in_1_1(info, "an 'asyncapi' source description (V11-SRC-01)")
        return value


class ExpressionType(ArazzoModel):
    """The type and version of an expression: the Criterion Expression Type Object of 1.0
    (CRI-09), the Expression Type Object of 1.1 (V11-SEL-06..10), which Selector Objects and
    payload replacements use too. For a custom criterion type, the version of that type."""

    type: str
    version: str


#: the 1.0 name of :class:`ExpressionType`
CriterionExpressionType = ExpressionType


def is_selector_like(value: Any) -> bool:
    """An object meant as a Selector Object (V11-AMB-22): a mapping with ``context`` and
    ``selector``. Where 1.1 allows a Selector, such a value must be a valid one."""
    return isinstance(value, dict) and "context" in value and "selector" in value


class Selector(ArazzoModel):
    """V11-SEL-01..04: apply ``selector`` (a JSONPath, XPath or JSON Pointer expression, by
    ``type``) to the value of the runtime expression ``context``. Arazzo 1.1 only."""

    context: str
    selector: str
    type: Literal["jsonpath", "xpath", "jsonpointer"] | ExpressionType

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: Any) -> Any:
        if isinstance(value, ExpressionType) and value.type not in SELECTOR_TYPES:
            raise ValueError(f"a selector type is 'jsonpath', 'xpath' or 'jsonpointer', not "
                             f"{value.type!r} (V11-SEL-04)")
        return value

    @model_validator(mode="after")
    def _is_1_1(self, info: ValidationInfo) -> "Selector":
        _only_in_1_1(info, "a Selector Object (V11-SEL-01)")
        return self

    @property
    def type_name(self) -> str:
        return self.type.type if isinstance(self.type, ExpressionType) else self.type

    @property
    def type_version(self) -> str:
        """The version named, or the type's default (V11-SEL-10)."""
        if isinstance(self.type, ExpressionType):
            return self.type.version
        return DEFAULT_EXPRESSION_VERSIONS[self.type]


def _selector_or_value(value: Any, info: ValidationInfo) -> Any:
    """A 1.1 value that may be a Selector Object (V11-PAR-06, V11-RBD-05)."""
    if spec_minor(info) != "1.0" and is_selector_like(value):
        return Selector.model_validate(value, context=info.context)
    return value


class Criterion(ArazzoModel):
    """CRI-01..12. ``type`` defaults to ``simple``. Any type name is accepted here: which
    types exist is decided by the ``CriterionTypes`` a document is validated and run with
    (CRI-03; the default knows ``simple``, ``regex``, ``jsonpath`` and ``xpath``)."""

    condition: str
    context: str | None = None
    type: str | ExpressionType | None = None

    @property
    def type_name(self) -> str:
        if self.type is None:
            return "simple"
        if isinstance(self.type, ExpressionType):
            return self.type.type
        return self.type

    @property
    def type_version(self) -> str | None:
        return self.type.version if isinstance(self.type, ExpressionType) else None


class ReusableObject(ArazzoModel):
    """REU-01..04. Extra properties MUST be ignored (REU-03): kept, reported as a warning."""

    allow_unknown: ClassVar[bool] = True

    reference: str
    value: Any = None

    @property
    def has_value(self) -> bool:
        return "value" in self.model_fields_set


class Parameter(ArazzoModel):
    """PAR-01..07. ``in`` is absent for parameters passed to a workflow. Arazzo 1.1 adds
    ``in: querystring`` (V11-PAR-01) and Selector Object values (V11-PAR-06)."""

    name: str
    in_: Literal["path", "query", "querystring", "header", "cookie"] | None = Field(
        default=None, alias="in")
    value: Any

    @field_validator("in_")
    @classmethod
    def _querystring_is_1_1(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value == "querystring":
            _only_in_1_1(info, "'in: querystring' (V11-PAR-01)")
        return value

    @field_validator("value")
    @classmethod
    def _selector(cls, value: Any, info: ValidationInfo) -> Any:
        return _selector_or_value(value, info)


class PayloadReplacement(ArazzoModel):
    """PR-01/02. ``value`` may be any JSON value (the official schema's string-only is a bug).
    Arazzo 1.1 adds ``targetSelectorType`` (V11-RBD-03) and Selector values (V11-RBD-05)."""

    since_1_1: ClassVar[frozenset[str]] = frozenset({"targetSelectorType"})

    target: str
    target_selector_type: Literal["jsonpath", "xpath", "jsonpointer"] | ExpressionType | None \
        = None
    value: Any

    @field_validator("value")
    @classmethod
    def _selector(cls, value: Any, info: ValidationInfo) -> Any:
        return _selector_or_value(value, info)


class RequestBody(ArazzoModel):
    """RB-01..05."""

    content_type: str | None = None
    payload: Any = None
    replacements: list[PayloadReplacement] | None = None

    @property
    def has_payload(self) -> bool:
        return "payload" in self.model_fields_set


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


class SuccessAction(ArazzoModel):
    """ACT-01. Arazzo 1.1 adds ``parameters`` for the workflow a ``workflowId`` names
    (V11-ACT-01)."""

    since_1_1: ClassVar[frozenset[str]] = frozenset({"parameters"})

    name: str
    type: Literal["end", "goto"]
    workflow_id: str | None = None
    step_id: str | None = None
    parameters: list[ParameterOrReusable] | None = None
    criteria: list[Criterion] | None = None


class FailureAction(ArazzoModel):
    """ACT-02. Arazzo 1.1 adds ``parameters`` (V11-ACT-02)."""

    since_1_1: ClassVar[frozenset[str]] = frozenset({"parameters"})

    name: str
    type: Literal["end", "goto", "retry"]
    workflow_id: str | None = None
    step_id: str | None = None
    parameters: list[ParameterOrReusable] | None = None
    retry_after: float | None = Field(default=None, ge=0)
    retry_limit: int | None = Field(default=None, ge=0)
    criteria: list[Criterion] | None = None


SuccessActionOrReusable = Annotated[
    Annotated[SuccessAction, Tag("action")] | Annotated[ReusableObject, Tag("reusable")],
    Discriminator(_reusable_or("action")),
]
FailureActionOrReusable = Annotated[
    Annotated[FailureAction, Tag("action")] | Annotated[ReusableObject, Tag("reusable")],
    Discriminator(_reusable_or("action")),
]


def _outputs_1_0(outputs: dict[str, Any] | None, info: ValidationInfo) -> None:
    if outputs and any(isinstance(v, Selector) for v in outputs.values()):
        _only_in_1_1(info, "a Selector Object output (V11-SEL-05)")


class Step(ArazzoModel):
    """STP-01..12: exactly one of operationId, operationPath, workflowId (and, from 1.1 on,
    channelPath: V11-STP-03).

    One step model for both kinds of operation: an OpenAPI step (an HTTP request) and an
    AsyncAPI step (a message sent or received on a channel, V11-STP-01). Which one a step is
    depends on the source its ``operationId`` or ``channelPath`` points into; ``action``,
    ``correlationId`` apply to AsyncAPI steps only (V11-STP-05, V11-STP-06). ``timeout`` and
    ``dependsOn`` apply to every step (V11-STP-07, V11-STP-08)."""

    since_1_1: ClassVar[frozenset[str]] = frozenset(
        {"channelPath", "action", "correlationId", "timeout", "dependsOn"})

    step_id: str
    description: str | None = None
    operation_id: str | None = None
    operation_path: str | None = None
    channel_path: str | None = None
    workflow_id: str | None = None
    action: Literal["send", "receive"] | None = None
    correlation_id: Any = None
    timeout: int | None = None
    depends_on: list[str] | None = None
    parameters: list[ParameterOrReusable] | None = None
    request_body: RequestBody | None = None
    success_criteria: list[Criterion] | None = None
    on_success: list[SuccessActionOrReusable] | None = None
    on_failure: list[FailureActionOrReusable] | None = None
    outputs: dict[str, str | Selector] | None = None

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, value: dict[str, Any] | None, info: ValidationInfo
                 ) -> dict[str, Any] | None:
        _outputs_1_0(value, info)
        return value

    @property
    def target_kind(self) -> str:
        """``operationId``, ``operationPath``, ``channelPath`` or ``workflowId``."""
        if self.operation_id is not None:
            return "operationId"
        if self.operation_path is not None:
            return "operationPath"
        if self.channel_path is not None:
            return "channelPath"
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
    outputs: dict[str, str | Selector] | None = None
    parameters: list[ParameterOrReusable] | None = None

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, value: dict[str, Any] | None, info: ValidationInfo
                 ) -> dict[str, Any] | None:
        _outputs_1_0(value, info)
        return value

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
    """The root object (DOC-01..06). ``$self`` (``self_uri``) is Arazzo 1.1 (V11-VER-02)."""

    since_1_1: ClassVar[frozenset[str]] = frozenset({"$self"})

    arazzo: str
    self_uri: str | None = Field(default=None, alias="$self")
    info: Info
    source_descriptions: list[SourceDescription]
    workflows: list[Workflow]
    components: Components | None = None

    @property
    def spec_minor(self) -> str:
        """``"1.0"`` or ``"1.1"``: the rules this document is read by (V11-VER-01)."""
        parts = self.arazzo.split(".")
        return ".".join(parts[:2])

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
