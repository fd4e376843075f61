"""Every Arazzo document of the shared corpus, classified as ``SOURCES.md`` says.

- valid documents load and validate with no errors;
- negative fixtures get their error at the right pointer;
- 1.1.x documents are read by the 1.1 rules (V11-VER-01), the same way;
- documents that carry real mistakes only the semantic checks (or the corrected schema) see
  are listed in ``EXPECTED`` with the exact errors and why.

The corpus is read in place; raw.githubusercontent.com self-links are mapped to the local
copies with ``overrides=`` (the network is never used).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import arazzo

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

pytestmark = pytest.mark.corpus

_ROW = re.compile(r"^\| `([^`]+)` \| ([^|]*)\| ([^|]*)\| ([^|]*)\| ([^|]*)\| (.*)\|$")
_RAW = re.compile(r'url "(https://raw\.githubusercontent\.com/[^"]+)"; raw\.githubusercontent '
                  r"self-link")


def _read_index() -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """(relpath, version, negative) per Arazzo document, and URL -> local copy overrides."""
    rows: list[tuple[str, str, str]] = []
    overrides: dict[str, str] = {}
    index = CORPUS / "SOURCES.md"
    if not index.is_file():
        return rows, overrides
    for line in index.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match is None:
            continue
        rel, role, version, _schema, negative, notes = (g.strip() for g in match.groups())
        if role == "arazzo":
            rows.append((rel, version, negative))
        raw = _RAW.search(notes)
        if raw and not rel.startswith("(not copied)"):
            overrides[raw.group(1)] = str(CORPUS / rel)
    return rows, overrides


ROWS, OVERRIDES = _read_index()

WHY_NEGATIVE = "negative fixture of its repository (SOURCES.md 'negative' column)"
WHY_SCHEMA_KEY = ("JaredCE mocks carry a root '$schema' key, which is not an Arazzo field "
                  "(EXT-02; the official schema rejects it too)")
WHY_SCHEMA_KEY_GOTO = (WHY_SCHEMA_KEY + "; the fixture's own mistake (goto to a missing step) "
                       "is checked in test_goto_to_missing_step_without_schema_key")
WHY_FAPI_PAR = ("the spec example names operationId 'PAR' while its OpenAPI says 'Par' "
                "(case-sensitive, STP-03, issue #332)")
WHY_PET_ID = ("the spec example passes path parameter 'pet_id' to /pet/{petId}/coupons: names "
              "are case-sensitive, so {petId} gets no value and the URL cannot be built "
              "(PAR-06)")
WHY_AUTO_INHERIT = ("Respect's 'auto-inherit' feature (not Arazzo): the step gives no value for "
                    "path parameter 'id' of /items/{id}, so the URL cannot be built (PAR-06)")
WHY_RESOLUTION_ONLY = ("resolution-only sample: the operationPath step gives no value for path "
                       "parameter 'petId', so it could not be run (PAR-06)")
WHY_BNPL = ("spec example errata (issue #332): outputs read that the producing steps do not "
            "declare (the '$steps.<id>.<name>' form without '.outputs.' is only a warning)")
WHY_NON_STRING_OUTPUT = "jentic fixture: a non-string output value (STP-11, schema)"
WHY_TOO_LARGE = "its OpenAPI source was too large to copy into the corpus"
WHY_JENTIC_NAMES = ("generated names with spaces: output keys break the key pattern (SEM-02) "
                    "and '$steps.<stepId with spaces>' cannot be parsed (SEM-07)")
WHY_STREFETHEN_PATH = ("strefethen's own operationPath forms ('/get', 'POST /post', "
                       "'{primary}./get') are not a source reference plus JSON pointer (STP-04)")
WHY_STREFETHEN_ACTION = "action without the REQUIRED 'name'/'type' (ACT-01/02)"
WHY_ITARAZZO = ("source urls are absolute paths /itarazzo/specs/... (a docker mount), outside "
                "the allowed directories (SEC-03, URL-01)")
WHY_FLAT_VERSION = ("criterion written 'type: jsonpath' + sibling 'version:' (not a spec field; "
                    "the official schema's anyOf bug lets it through, inventory Q.1)")
WHY_REPO_ROOT = ("source url './apis/...' is relative to the repository root, not the document "
                 "(jentic-public-apis#350), so the file is not found")

WHY_ANIMALS = 'its source ./animals.yaml does not exist in the spec repository (inventory R)'
WHY_SCHEMA_TEST_SOURCE = "schema-test variant: its OpenAPI source is in examples/1.0.0"
WHY_REDOCLY_WORKFLOWS = ("Redocly-only form $sourceDescriptions.<name>.workflows.<id>; Arazzo "
                         "writes $sourceDescriptions.<name>.<id> (STP-05)")
WHY_LINT_SOURCE = 'lint fixture: its source museum-api.yaml was not part of the copied test folder'
WHY_AUTHOR_PATH = "generator example: its source url is an absolute path on the author's machine"
WHY_POINTER_HASH = "output written $response.body/AccessToken: a JSON pointer needs '#' (SEM-07)"
WHY_PLACEHOLDER = "condition `$statusCode == 500%s` (a formatting placeholder left in test data)"
WHY_TESTDATA_SOURCE = 'its source openapi.yaml was not part of the copied testdata'
WHY_SUCCESS_RETRY = "a success action of type retry with retryAfter (only failure actions retry)"
WHY_INFO_EXTENSIONS = 'non-x extension field info.extensions (EXT-02)'
WHY_STRING_INPUTS = ("inputs $ref a component of 'type: string' (read as $inputs.reusable-test, "
                     "as if the component key were an input name): inputs are an object of "
                     "names, so no call satisfies that schema (WF-03)")
WHY_OPERATION_PATH_FORM = ("schema test: operationPath '$sourceDescriptions.userAPI#/paths/...' is "
                           "not a source reference plus JSON pointer ('{$sourceDescriptions."
                           "<name>.url}#/...', STP-04)")
WHY_ASYNC_ONLY_SOURCE = ("the only source is an AsyncAPI description, so operationId 'getUsers' "
                         "is an AsyncAPI step, which needs an action (V11-AMB-06) and has no "
                         "$statusCode (V11-AMB-14)")
WHY_STRIPE = 'its split Stripe OpenAPI files were not copied (no license)'

EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    'OAI__Arazzo-Specification/examples/1.0.0/ExtendedParametersExample.arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_ANIMALS),
    ],
    'OAI__Arazzo-Specification/examples/1.0.0/FAPI-PAR.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationId', WHY_FAPI_PAR),
    ],
    'OAI__Arazzo-Specification/examples/1.0.0/pet-coupons.arazzo.yaml': [
        ('required-parameter', '/workflows/0/steps/1/parameters/0/name', WHY_PET_ID),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/pet_coupons/pet-coupons.arazzo.yaml': [
        ('required-parameter', '/workflows/0/steps/1/parameters/0/name', WHY_PET_ID),
    ],
    'Redocly__redocly-cli/tests/e2e/respect/local-json-server/local-json-server.arazzo.yaml': [
        ('required-parameter', '/workflows/2/steps/2/operationId', WHY_AUTO_INHERIT),
    ],
    'BinkyLabs__openapi-arazzo-dotnet/tests/lib/Samples/OperationResolution/valid.arazzo.yaml': [
        ('required-parameter', '/workflows/0/steps/1/operationPath', WHY_RESOLUTION_ONLY),
    ],
    'OAI__Arazzo-Specification/examples/1.0.0/bnpl-arazzo.yaml': [
        ('step-output-ref', '/workflows/0/steps/4/parameters/0/value', WHY_BNPL),
        ('step-output-ref', '/workflows/0/steps/5/parameters/0/value', WHY_BNPL),
        ('step-output-ref', '/workflows/0/steps/6/parameters/0/value', WHY_BNPL),
    ],
    'OAI__Arazzo-Specification/tests/schema/pass/bnpl-example.yaml': [
        ('step-output-ref', '/workflows/0/steps/4/parameters/0/value', WHY_BNPL),
        ('step-output-ref', '/workflows/0/steps/5/parameters/0/value', WHY_BNPL),
        ('step-output-ref', '/workflows/0/steps/6/parameters/0/value', WHY_BNPL),
    ],
    'OAI__Arazzo-Specification/tests/schema/pass/oauth-example.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_SCHEMA_TEST_SOURCE),
    ],
    'OAI__Arazzo-Specification/tests/schema/pass/pet-coupons-example.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_SCHEMA_TEST_SOURCE),
    ],
    'OAI__Arazzo-Specification/tests/schema/fail/invalid-arazzo-version.yaml': [
        ('schema', '/arazzo', WHY_NEGATIVE),
        ('schema', '/workflows/0/steps/0', WHY_NEGATIVE),
    ],
    'OAI__Arazzo-Specification/tests/schema/fail/not-an-object.yaml': [
        ('document', '', WHY_NEGATIVE),
    ],
    ('OAI__Arazzo-Specification/tests/schema/fail/'
     'openapi-both-operationId-and-operationPath.arazzo.yaml'): [
        ('step-target', '/workflows/0/steps/0/operationPath', WHY_NEGATIVE),
    ],
    'OAI__Arazzo-Specification/tests/schema/fail/openapi-duplicate-parameters.arazzo.yaml': [
        ('duplicate-parameter', '/workflows/0/steps/0/parameters/1', WHY_NEGATIVE),
    ],
    'OAI__Arazzo-Specification/tests/schema/fail/openapi-missing-operation-target.arazzo.yaml': [
        ('step-target', '/workflows/0/steps/0', WHY_NEGATIVE),
    ],
    'OAI__Arazzo-Specification/tests/schema/fail/workflow-duplicate-parameters.arazzo.yaml': [
        ('duplicate-parameter', '/workflows/0/steps/0/parameters/1', WHY_NEGATIVE),
    ],
    'OAI__Arazzo-Specification/tests/schema/fail/workflow-missing-workflowId.arazzo.yaml': [
        ('step-target', '/workflows/0/steps/0', WHY_NEGATIVE),
    ],
    ('OAI__Arazzo-Specification/tests/schema/fail/'
     'invalid-openapi-parameter-without-in.arazzo.yaml'): [
        ('parameter-in', '/workflows/0/steps/0/parameters/0', WHY_NEGATIVE),
    ],
    ('OAI__Arazzo-Specification/tests/schema/fail/'
     'invalid-workflow-step-with-operationId.arazzo.yaml'): [
        ('step-target', '/workflows/0/steps/0/workflowId', WHY_NEGATIVE),
        ('async-action', '/workflows/1/steps/0', WHY_ASYNC_ONLY_SOURCE),
        ('async-expression', '/workflows/1/steps/0', WHY_ASYNC_ONLY_SOURCE),
    ],
    'OAI__Arazzo-Specification/tests/schema/pass/openapi-operation-path.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_OPERATION_PATH_FORM),
    ],
    'Redocly__redocly-cli/tests/e2e/lint/spec-step-mutually-exclusive-fields/arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_NEGATIVE),
        ('source-load', '/sourceDescriptions/1/url', WHY_NEGATIVE),
        ('step-target', '/workflows/0/steps/0/channelPath', WHY_NEGATIVE),
    ],
    ('Redocly__redocly-cli/tests/e2e/respect/outputs-access-syntax-variations/'
     'outputs-access-syntax-variations.arazzo.yaml'): [
        ('unknown-workflow', '/workflows/0/steps/1/workflowId', WHY_REDOCLY_WORKFLOWS),
    ],
    ('Redocly__redocly-cli/tests/e2e/respect/workflow-depends-on-not-found/'
     'workflow-depends-on-not-found.arazzo.yaml'): [
        ('unknown-workflow', '/workflows/0/dependsOn/0', WHY_NEGATIVE),
    ],
    'Redocly__redocly-cli/tests/e2e/respect/reusable-components/reusable-components.arazzo.yaml': [
        ('inputs-type', '/workflows/0/inputs/$ref', WHY_STRING_INPUTS),
        ('inputs-type', '/workflows/2/inputs/$ref', WHY_STRING_INPUTS),
    ],
    'Redocly__redocly-cli/tests/e2e/lint/arazzo-not-valid-test-description/museum.yaml': [
        ('schema', '', WHY_NEGATIVE),
        ('schema', '/workflows/0', WHY_NEGATIVE),
    ],
    'Redocly__redocly-cli/tests/e2e/lint/arazzo-valid-test-description/museum.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_LINT_SOURCE),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/xkcd/xkcd.arazzo.yaml': [
        ('schema', '/workflows/0/outputs/date', WHY_NON_STRING_OUTPUT),
        ('schema', '/workflows/1/outputs/date', WHY_NON_STRING_OUTPUT),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/train/train.arazzo.yaml': [
        ('expression-syntax', '/workflows/0/outputs/create_bookingResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/0/outputs/make_paymentResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/0/outputs/search_stationsResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/0/outputs/search_tripsResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/1/outputs/cancel_bookingResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/1/outputs/get_booking_detailsResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/1/outputs/list_bookingsResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/1/outputs/make_paymentResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/2/outputs/search_stationsResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/4/outputs/search_tripsResponse', WHY_JENTIC_NAMES),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/newyork_times/newyork_times.arazzo.yaml': [
        ('expression-syntax', '/workflows/0/outputs/Search ArticlesResponse', WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/0/outputs/Search ArticlesResponse', WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/0/steps/0/outputs/Search ArticlesResponse', WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/1/outputs/Search by Date RangeResponse',
         WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/1/outputs/Search by Date RangeResponse', WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/1/steps/0/outputs/Search by Date RangeResponse',
         WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/2/outputs/Get Article FacetsResponse', WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/2/outputs/Get Article FacetsResponse', WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/2/steps/0/outputs/Get Article FacetsResponse',
         WHY_JENTIC_NAMES),
        ('expression-syntax', '/workflows/3/outputs/Search with HighlightingResponse',
         WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/3/outputs/Search with HighlightingResponse', WHY_JENTIC_NAMES),
        ('key-pattern', '/workflows/3/steps/0/outputs/Search with HighlightingResponse',
         WHY_JENTIC_NAMES),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/spotify/spotify.arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_TOO_LARGE),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/discord/discord.arazzo.yaml': [
        ('schema', '/workflows/1/steps/0/outputs/guildCount', WHY_NON_STRING_OUTPUT),
    ],
    'jentic__arazzo-engine/runner/tests/fixtures/bnpl/bnpl-arazzo.yaml': [
        ('step-output-ref', '/workflows/0/steps/4/parameters/0/value', WHY_BNPL),
        ('step-output-ref', '/workflows/0/steps/5/parameters/0/value', WHY_BNPL),
        ('step-output-ref', '/workflows/0/steps/6/parameters/0/value', WHY_BNPL),
    ],
    'jentic__arazzo-engine/generator/examples/workflows/discord/workflows.arazzo.json': [
        ('source-load', '/sourceDescriptions/0/url', WHY_AUTHOR_PATH),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-criteria/simple.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-criteria/regex.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-criteria/jsonPath.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-criteria/xPath.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-dependsOn/internal-workflow.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onFailure/retry/step/'
     'retryLimit-not-set.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onFailure/retry/step/'
     'retryLimit-set-to-3-with-retry-after-coming-from-header.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onFailure/retry/step/'
     'set-to-retry-a-workflow-before-current-step.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onFailure/goto/step/'
     'first-step-to-workflow.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onFailure/end/workflow/'
     'step-override.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onSuccess/goto/step/'
     'middle-step-to-step.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/arazzo-rules/onSuccess/goto/workflow/'
     'step-override.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/openapi-requestBody-tests/application-json.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/openapi-requestBody-tests/'
     'application-x-www-form-urlencoded-string.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzo/openapi-requestBody-tests/application-xml.json': [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/openapi-parameter-tests/query/deepObject/'
     'object.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/arazzo/openapi-parameter-tests/path/matrix/'
     'array-exploded.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/single-workflow/single-step/onFailure/'
     'arazzoMock-user-with-successCriteria-and-onFailure-set-to-goto-non-existant-step.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY_GOTO),
    ],
    ('JaredCE__Arazzo-Runner/test/mocks/single-workflow/single-step/onFailure/'
     'arazzoMock-user-with-successCriteria-and-onFailure-set-to-goto-self-referential.json'): [
        ('schema', '/$schema', WHY_SCHEMA_KEY),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzoMockMissingSourceDescriptions.json': [
        ('schema', '', WHY_NEGATIVE),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzoMockMissingWorkflows.json': [
        ('schema', '', WHY_NEGATIVE),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/arazzoMockMissingSteps.json': [
        ('schema', '/workflows/0', WHY_NEGATIVE),
    ],
    'JaredCE__Arazzo-Runner/test/mocks/incorrectSourceDescriptionReference-pets-arazzo.json': [
        ('unresolved-operation', '/workflows/0/steps/0/operationId', WHY_NEGATIVE),
        ('expression-syntax', '/workflows/0/steps/0/outputs/AccessToken', WHY_POINTER_HASH),
    ],
    'strefethen__arazzo-cli/examples/error-handling-retry.arazzo.yaml': [
        ('schema', '/workflows/0/failureActions/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/0/steps/0/onFailure/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/0/steps/0/onFailure/1', WHY_STREFETHEN_ACTION),
    ],
    'strefethen__arazzo-cli/examples/httpbin-components.arazzo.yaml': [
        ('schema', '/components/failureActions/standardRetry', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/1/steps/0/onFailure/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/1/steps/1/onSuccess/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/2/failureActions/0', WHY_STREFETHEN_ACTION),
    ],
    'strefethen__arazzo-cli/examples/httpbin-conditions.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/3/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/3/steps/1/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/httpbin-replacements.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/httpbin-reusable-inputs.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/0/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/sub-workflow.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/0/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/soap-customer-crud.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/2/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/3/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/4/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/httpbin-data-flow.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/3/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/4/steps/0/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/multi-api-orchestration.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/1/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/httpbin-response-headers.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/0/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/examples/httpbin-parallel.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/2/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/0/steps/3/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/1/steps/2/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/0/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/1/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/2/operationPath', WHY_STREFETHEN_PATH),
        ('unresolved-operation', '/workflows/2/steps/3/operationPath', WHY_STREFETHEN_PATH),
    ],
    'strefethen__arazzo-cli/testdata/error-handling.arazzo.yaml': [
        ('schema', '/workflows/0/steps/0/onFailure/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/1/steps/0/onFailure/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/1/steps/1/onSuccess/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/2/steps/0/onSuccess/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/3/steps/0/onFailure/0', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/3/steps/0/onFailure/1', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/3/steps/0/onFailure/2', WHY_STREFETHEN_ACTION),
        ('schema', '/workflows/3/steps/1/onSuccess/0', WHY_STREFETHEN_ACTION),
    ],
    'strefethen__arazzo-cli/testdata/mcp-denied/spec.arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url',
         WHY_NEGATIVE + ': ../ leaves the allowed directory (SEC-03)'),
    ],
    'speakeasy-api__openapi/arazzo/testdata/invalid.arazzo.yaml': [
        ('schema', '/info', WHY_NEGATIVE),
        ('schema', '/workflows/0/steps/0', WHY_NEGATIVE),
        ('schema', '/workflows/0/steps/1/parameters/0', WHY_NEGATIVE),
    ],
    'speakeasy-api__openapi/arazzo/testdata/test.arazzo.yaml': [
        ('expression-syntax', '/components/failureActions/failure/criteria/0/condition',
         WHY_PLACEHOLDER),
    ],
    'speakeasy-api__openapi/arazzo/testdata/traintravelapi.arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_TESTDATA_SOURCE),
    ],
    'speakeasy-api__openapi/arazzo/testdata/ordering/input.arazzo.yaml': [
        ('schema', '/components/successActions/success-c/retryAfter', WHY_SUCCESS_RETRY),
        ('schema', '/components/successActions/success-c/type', WHY_SUCCESS_RETRY),
    ],
    ('BinkyLabs__openapi-arazzo-dotnet/tests/lib/Samples/OperationResolution/'
     'ambiguous.arazzo.yaml'): [
        ('unresolved-operation', '/workflows/0/steps/0/operationId', WHY_NEGATIVE),
    ],
    'BinkyLabs__openapi-arazzo-dotnet/tests/lib/Samples/OperationResolution/invalid.arazzo.yaml': [
        ('unresolved-operation', '/workflows/0/steps/0/operationId', WHY_NEGATIVE),
        ('unresolved-operation', '/workflows/0/steps/1/operationPath', WHY_NEGATIVE),
    ],
    ('BinkyLabs__openapi-arazzo-dotnet/tests/lib/Samples/ArazzoSpecification/1.0.0/'
     'FAPI-PAR.arazzo.json'): [
        ('unresolved-operation', '/workflows/0/steps/0/operationId', WHY_FAPI_PAR),
    ],
    ('BinkyLabs__openapi-arazzo-dotnet/tests/lib/Samples/DescribingApiWorkflowsWithArazzo/'
     'specs/formal-bnpl.arazzo.json'): [
        ('source-load', '/sourceDescriptions/0/url', WHY_ITARAZZO),
        ('source-load', '/sourceDescriptions/1/url', WHY_ITARAZZO),
    ],
    'leidenheit__arazzo/application-integration-test/src/test/resources/arazzo.yaml': [
        ('schema', '/info/extensions', WHY_INFO_EXTENSIONS),
        ('schema', '/workflows/0/steps/1/successCriteria/1/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/2/successCriteria/1/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/2/successCriteria/2/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/2/successCriteria/3/version', WHY_FLAT_VERSION),
    ],
    'leidenheit__arazzo/application-integration-test/src/test/resources/another-arazzo.yaml': [
        ('schema', '/info/extensions', WHY_INFO_EXTENSIONS),
    ],
    'leidenheit__arazzo/application-integration-test/src/test/resources/pet-store.arazzo.yaml': [
        ('schema', '/workflows/0/steps/1/successCriteria/2/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/1/successCriteria/3/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/2/successCriteria/1/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/3/onFailure/0/criteria/0/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/3/successCriteria/1/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/3/successCriteria/2/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/0/steps/4/onSuccess/0/criteria/1/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/1/steps/0/successCriteria/1/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/1/steps/0/successCriteria/2/version', WHY_FLAT_VERSION),
        ('schema', '/workflows/1/steps/0/successCriteria/3/version', WHY_FLAT_VERSION),
    ],
    'frankkilcommins__apidays-describing-api-workflows-with-arazzo/specs/formal-bnpl.arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_ITARAZZO),
        ('source-load', '/sourceDescriptions/1/url', WHY_ITARAZZO),
    ],
    'frankkilcommins__apidays-describing-api-workflows-with-arazzo/specs/error-bnpl.arazzo.yaml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_ITARAZZO),
        ('source-load', '/sourceDescriptions/1/url', WHY_ITARAZZO),
    ],
    ('frankkilcommins__apidays-describing-api-workflows-with-arazzo/specs/'
     'pet-adoptions.arazzo.yaml'): [
        ('source-load', '/sourceDescriptions/0/url', WHY_ITARAZZO),
        ('source-load', '/sourceDescriptions/1/url', WHY_ITARAZZO),
    ],
    ('frankkilcommins__apidays-describing-api-workflows-with-arazzo/specs/'
     'error-pet-adoptions.arazzo.yaml'): [
        ('source-load', '/sourceDescriptions/0/url', WHY_ITARAZZO),
        ('source-load', '/sourceDescriptions/1/url', WHY_ITARAZZO),
    ],
    'frankkilcommins__apidays-describing-api-workflows-with-arazzo/gpt-generated/gpt.arazzo.yaml': [
        ('load', '', WHY_NEGATIVE),
    ],
    'jentic__jentic-public-apis/workflows/meteosource.com/workflows.arazzo.json': [
        ('source-load', '/sourceDescriptions/0/url', WHY_REPO_ROOT),
    ],
    'jentic__jentic-public-apis/workflows/va.gov~forms/workflows.arazzo.json': [
        ('source-load', '/sourceDescriptions/0/url', WHY_REPO_ROOT),
    ],
    'jentic__jentic-public-apis/workflows/canada-holidays.ca/workflows.arazzo.json': [
        ('source-load', '/sourceDescriptions/0/url', WHY_REPO_ROOT),
    ],
    'jentic__jentic-public-apis/workflows/openfigi.com/workflows.arazzo.json': [
        ('source-load', '/sourceDescriptions/0/url', WHY_REPO_ROOT),
    ],
    'api-evangelist__stripe/arazzo/stripe-authorize-and-capture-payment-workflow.yml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_STRIPE),
    ],
    'api-evangelist__stripe/arazzo/stripe-create-customer-and-pay-workflow.yml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_STRIPE),
        ('source-load', '/sourceDescriptions/1/url', WHY_STRIPE),
    ],
    'api-evangelist__stripe/arazzo/stripe-refund-payment-intent-workflow.yml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_STRIPE),
        ('source-load', '/sourceDescriptions/1/url', WHY_STRIPE),
    ],
    'api-evangelist__stripe/arazzo/stripe-send-invoice-workflow.yml': [
        ('source-load', '/sourceDescriptions/0/url', WHY_STRIPE),
    ],
}


def _cases() -> list[object]:
    if not ROWS:
        return [pytest.param(None, None, None, id="corpus",
                             marks=pytest.mark.skip(reason="shared corpus not present"))]
    return [pytest.param(rel, version, negative, id=rel) for rel, version, negative in ROWS]


@pytest.mark.parametrize(("rel", "version", "negative"), _cases())
def test_corpus_document(rel: str, version: str, negative: str) -> None:
    path = CORPUS / rel
    # the policy fixture is meant to be read with access confined to its own directory
    allowed = [path.parent] if "(policy:" in negative else [CORPUS]
    diags = arazzo.validate(path, allow_dirs=allowed, overrides=OVERRIDES)
    errors = [d for d in diags if d.is_error]
    print(f"{rel}: {len(errors)} errors, {len(diags) - len(errors)} warnings")
    expected = EXPECTED.get(rel, [])
    got = sorted({(d.rule, d.pointer) for d in errors})
    assert got == sorted({(rule, pointer) for rule, pointer, _why in expected}), (
        "\n".join(str(d) for d in errors))
    if negative.startswith("YES"):
        assert expected, f"negative fixture {rel} must get an error"
    if not expected:
        arazzo.load(path, allow_dirs=allowed, overrides=OVERRIDES)


def test_expected_entries_name_corpus_documents() -> None:
    if not ROWS:
        pytest.skip("shared corpus not present")
    known = {rel for rel, _version, _negative in ROWS}
    assert set(EXPECTED) <= known
    assert all(why for entries in EXPECTED.values() for _rule, _pointer, why in entries)


def test_goto_to_missing_step_without_schema_key() -> None:
    """The JaredCE negative fixture's own mistake, once its '$schema' key is dropped."""
    rel = ("JaredCE__Arazzo-Runner/test/mocks/single-workflow/single-step/onFailure/"
           "arazzoMock-user-with-successCriteria-and-onFailure-set-to-goto-non-existant-step.json")
    if not (CORPUS / rel).is_file():
        pytest.skip("shared corpus not present")
    data = json.loads((CORPUS / rel).read_text(encoding="utf-8"))
    data.pop("$schema")
    diags = arazzo.validate(json.dumps(data, indent=2), overrides=OVERRIDES)
    assert [(d.rule, d.severity.value) for d in diags if d.is_error] == [
        ("unknown-step", "error")]


def test_seed_workflow_loads_with_a_stub_openapi() -> None:
    seed = CORPUS.parent / "seed" / "amazon-sagemaker-train-then-deploy-workflow.yml"
    if not seed.is_file():
        pytest.skip("shared corpus not present")
    stub = Path(__file__).parent / "data" / "sagemaker-stub.openapi.yaml"
    diags = arazzo.validate(seed, allow_dirs=[seed.parent], overrides={"sagemakerApi": str(stub)})
    assert [d for d in diags if d.is_error] == []


def test_seed_workflow_without_its_source() -> None:
    seed = CORPUS.parent / "seed" / "amazon-sagemaker-train-then-deploy-workflow.yml"
    if not seed.is_file():
        pytest.skip("shared corpus not present")
    diags = arazzo.validate(seed, allow_dirs=[CORPUS.parent])
    errors = [d for d in diags if d.is_error]
    # the only error: its OpenAPI source (../openapi/...) is not in the shared folder (yet)
    assert [(d.rule, d.pointer) for d in errors] == [("source-load", "/sourceDescriptions/0/url")]
