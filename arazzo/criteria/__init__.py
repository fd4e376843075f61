"""Criteria: the criterion types (simple, regex, JSONPath, XPath) and the registry that maps a
Criterion Object's type to its evaluator."""

from arazzo.criteria._evaluators import (
    DEFAULT_CRITERIA,
    JSONPOINTER_NOT_A_CRITERION,
    SPEC_MINORS,
    CompiledCriterion,
    CriterionEvaluator,
    CriterionResult,
    CriterionSyntaxError,
    CriterionTypes,
    JsonPathEvaluator,
    RegexEvaluator,
    SimpleEvaluator,
    XPathEvaluator,
    compile_criterion,
)
from arazzo.expressions._jsonpath import rfc9535_environment

__all__ = [
    "DEFAULT_CRITERIA",
    "JSONPOINTER_NOT_A_CRITERION",
    "SPEC_MINORS",
    "CompiledCriterion",
    "CriterionEvaluator",
    "CriterionResult",
    "CriterionSyntaxError",
    "CriterionTypes",
    "JsonPathEvaluator",
    "RegexEvaluator",
    "SimpleEvaluator",
    "XPathEvaluator",
    "compile_criterion",
    "rfc9535_environment",
]
