/// `Schemas/openapi.yaml`, served at `GET /openapi.yaml`. A test checks it matches the file;
/// regenerate with `.ci/embed-openapi` after editing the spec.
enum OpenAPISpec {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Journey store
  version: "1"
  description: |
    The HTTP API of the journey store: append customer interaction events to the log and
    read the views derived from it (each customer's stage, journey history, advocacy, the funnel).

    JSON shapes are the ones `journeyctl --json` prints. Every timestamp is UTC RFC 3339 with
    milliseconds. Errors are RFC 9457 problem details (`application/problem+json`) with a stable
    `type`. When the server has tokens configured, every `/v1` route needs
    `Authorization: Bearer <token>` with the route's scope (`read` < `write` < `admin`).
  license:
    name: Proprietary
servers:
  - url: http://127.0.0.1:8080
security:
  - {}
  - bearerAuth: []
tags:
  - name: events
  - name: customers
  - name: views
  - name: projections
  - name: operations
paths:
  /v1/events:
    post:
      tags: [events]
      operationId: appendEvents
      summary: Append one event, a JSON array of events, or NDJSON (one event a line)
      description: |
        The whole body is one atomic append: every event is written, or (on any bad event) none.
        Events may belong to any customers. An event whose `id` is already in the log with the
        same content is not written again (`duplicate: true`, original position).
        Needs scope `write`.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              oneOf:
                - $ref: "#/components/schemas/NewEvent"
                - type: array
                  minItems: 1
                  items: {$ref: "#/components/schemas/NewEvent"}
          application/x-ndjson:
            schema:
              type: string
              description: One event object per line.
      responses:
        "200":
          description: All events are in the log (written now, or duplicates of earlier ones).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/AppendResult"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "409": {$ref: "#/components/responses/Conflict"}
        "410": {$ref: "#/components/responses/Gone"}
        "413": {$ref: "#/components/responses/PayloadTooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "503": {$ref: "#/components/responses/Unavailable"}
    get:
      tags: [events]
      operationId: readLog
      summary: The log, a page at a time
      description: Needs scope `read`.
      parameters:
        - {name: backward, in: query, description: "Read backward from `from` (default: the head).", schema: {type: boolean}}
        - {name: from, in: query, description: "First position (default 1).", schema: {type: integer, format: int64, minimum: 1, maximum: 9223372036854775807}}
        - {name: limit, in: query, description: "Events per page (default 100, at most 10000).", schema: {type: integer, minimum: 1, maximum: 10000}}
      responses:
        "200":
          description: |
            A page of events in log order; `next` is the position to ask for next, or null at the head.
            With `Accept: application/x-ndjson`, one event a line, and the next position in the `Journey-Next` header.
          headers:
            Journey-Next: {description: "With NDJSON: the position to ask for next (absent at the end).", schema: {type: integer}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/EventPage"}
            application/x-ndjson:
              schema: {type: string}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/events/stream:
    get:
      tags: [events]
      operationId: streamLog
      summary: Live tail of the log (Server-Sent Events)
      description: |
        Sends every event from `from` (or after `Last-Event-ID`) as an SSE message with
        `id: <position>`, `event: event` and the event's JSON as `data`, then waits for new ones.
        A comment line is sent every 15 s to keep the connection open. Needs scope `read`.
      parameters:
        - {name: from, in: query, description: "First position (default 1).", schema: {type: integer, format: int64, minimum: 1, maximum: 9223372036854775807}}
        - {name: Last-Event-ID, in: header, description: "Resume after this position.", schema: {type: string}}
      responses:
        "200":
          description: An endless stream of events.
          content:
            text/event-stream:
              schema: {type: string}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/customers/{id}/events:
    parameters:
      - $ref: "#/components/parameters/CustomerId"
    post:
      tags: [customers]
      operationId: appendToCustomer
      summary: Append to one customer's stream with an expected version
      description: |
        Writes the events atomically if the stream is at the expected version (`any`, `no-stream`,
        `exists`, or a number: the stream's current version). A mismatch writes nothing and is a
        409 with the expected and actual versions. Events may omit `customerId`; if given it must
        be the path's. Needs scope `write`.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/CustomerAppend"}
      responses:
        "200":
          description: Written (or all duplicates of an earlier identical append).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/AppendResult"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "409": {$ref: "#/components/responses/Conflict"}
        "410": {$ref: "#/components/responses/Gone"}
        "413": {$ref: "#/components/responses/PayloadTooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "503": {$ref: "#/components/responses/Unavailable"}
    get:
      tags: [customers]
      operationId: readStream
      summary: One customer's events, a page at a time
      description: Needs scope `read`.
      parameters:
        - {name: from, in: query, description: "First version (default 1; backward default the latest).", schema: {type: integer, format: int64, minimum: 1, maximum: 9223372036854775807}}
        - {name: limit, in: query, description: "Events per page (default 100, at most 10000).", schema: {type: integer, minimum: 1, maximum: 10000}}
        - {name: backward, in: query, description: "Newest first.", schema: {type: boolean}}
      responses:
        "200":
          description: |
            A page of the stream; `next` is the version to ask for next, or null.
            With `Accept: application/x-ndjson`, one event a line, and the next version in the `Journey-Next` header.
          headers:
            Journey-Next: {description: "With NDJSON: the version to ask for next (absent at the end).", schema: {type: integer}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/EventPage"}
            application/x-ndjson:
              schema: {type: string}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
  /v1/customers/{id}:
    parameters:
      - $ref: "#/components/parameters/CustomerId"
    get:
      tags: [customers]
      operationId: getCustomer
      summary: A customer's stage, stage entry times and advocacy
      description: |
        From the views, or (with `asOf` and/or `knownAt`) as it was, computed from the stream.
        `minPosition` waits (at most `timeout` seconds, default 5, at most 30) until the views
        include that log position, so a client can read its own writes. Needs scope `read`.
      parameters:
        - $ref: "#/components/parameters/AsOf"
        - $ref: "#/components/parameters/KnownAt"
        - $ref: "#/components/parameters/MinPosition"
        - $ref: "#/components/parameters/Timeout"
      responses:
        "200":
          description: The customer's state.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/CustomerState"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "410": {$ref: "#/components/responses/Gone"}
        "503": {$ref: "#/components/responses/Unavailable"}
    delete:
      tags: [customers]
      operationId: eraseCustomer
      summary: Erase a customer (crypto-shredding)
      description: |
        Destroys the customer's data key, so the sealed `properties` of all their events can never
        be read again, and appends an erasure record (type `customer_erased`) to their stream.
        Their events then read back with `"redacted": true`; their views keep stages, times,
        counts and levels but no personal values; aggregates keep counting them; the hash chain
        still verifies. The stream takes no new events afterwards (410). Erasing again returns the
        first erasure with `duplicate: true`. Needs scope `admin`; the token's name is recorded.
      parameters:
        - name: reason
          in: query
          description: Why (kept in the audit of erasures; no personal data, at most 1000 characters).
          schema: {type: string, maxLength: 1000}
      responses:
        "200":
          description: The customer is erased (now, or earlier).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ErasureRecord"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/erasures:
    get:
      tags: [customers]
      operationId: listErasures
      summary: The audit of erasures (who erased whom, when, why)
      description: Oldest first. Needs scope `admin`.
      parameters:
        - name: customerId
          in: query
          description: Only this customer's erasure.
          schema: {type: string, minLength: 1, maxLength: 256}
      responses:
        "200":
          description: Every erasure.
          content:
            application/json:
              schema:
                type: object
                required: [erasures]
                properties:
                  erasures:
                    type: array
                    items: {$ref: "#/components/schemas/ErasureRecord"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/customers/{id}/journey:
    parameters:
      - $ref: "#/components/parameters/CustomerId"
    get:
      tags: [customers]
      operationId: getJourney
      summary: The audit trail of how the customer got where they are
      description: Needs scope `read`. Takes the same time-travel and wait parameters as the customer.
      parameters:
        - $ref: "#/components/parameters/AsOf"
        - $ref: "#/components/parameters/KnownAt"
        - $ref: "#/components/parameters/MinPosition"
        - $ref: "#/components/parameters/Timeout"
      responses:
        "200":
          description: Transitions, advocacy changes with evidence, and every event in business order.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Journey"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "410": {$ref: "#/components/responses/Gone"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/funnel:
    get:
      tags: [views]
      operationId: getFunnel
      summary: Customers per stage now and ever, conversion, time between stages
      description: Needs scope `read`.
      responses:
        "200":
          description: The funnel.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Funnel"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/stages/{stage}/customers:
    get:
      tags: [views]
      operationId: listStage
      summary: Customers now in a stage, a page at a time
      description: Needs scope `read`.
      parameters:
        - {name: stage, in: path, required: true, schema: {type: string}}
        - $ref: "#/components/parameters/After"
        - $ref: "#/components/parameters/PageLimit"
      responses:
        "200":
          description: A page; pass `next` as `after` for the next one.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/CustomerPage"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
  /v1/advocates:
    get:
      tags: [views]
      operationId: listAdvocates
      summary: Advocates (customers above level none), highest level first, a page at a time
      description: Needs scope `read`.
      parameters:
        - {name: level, in: query, description: "Only this level.", schema: {type: string}}
        - $ref: "#/components/parameters/AdvocateAfter"
        - $ref: "#/components/parameters/PageLimit"
      responses:
        "200":
          description: A page; pass `next` as `after` for the next one.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/CustomerPage"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
  /v1/projections:
    get:
      tags: [projections]
      operationId: listProjections
      summary: Each projection's checkpoint, head, lag, state, generation, model, rate, last error
      description: Needs scope `read`.
      responses:
        "200":
          description: One entry per projection.
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/ProjectionStatus"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/projections/faults:
    get:
      tags: [projections]
      operationId: listProjectionFaults
      summary: Events the views applied without their properties, because these did not open
      description: |
        A record whose sealed `properties` do not open under the customer's key (damage, or a
        key that was never stored) does not stop the projections: they apply the event without
        its properties and record a fault here, in log order. `journeyctl verify` lists the
        same records from the log's side. Needs scope `read`.
      parameters:
        - {name: after, in: query, description: "Only faults at positions above this one.", schema: {type: integer, minimum: 0}}
        - {name: limit, in: query, description: "At most this many (default 100).", schema: {type: integer, minimum: 1, maximum: 1000}}
      responses:
        "200":
          description: The faults, by position.
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/ProjectionFault"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/projections/{name}/rebuild:
    post:
      tags: [projections]
      operationId: rebuildProjection
      summary: Rebuild a projection (or `all`) into a new generation beside the live one
      description: |
        Starts the rebuild and answers at once; follow it with `GET /v1/projections`. The live
        views keep answering until the new generation has caught up, then switch atomically.
        Needs scope `admin`.
      parameters:
        - name: name
          in: path
          required: true
          schema: {type: string, enum: [all, customer-stage, journey-history, advocacy, funnel]}
      responses:
        "202":
          description: The rebuild started.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Accepted"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
  /v1/simulations:
    post:
      tags: [projections]
      operationId: simulate
      summary: What-if - replay the log under an alternative model, touching nothing
      description: Needs scope `read`.
      parameters:
        - {name: sample, in: query, description: "How many changed customers to list (default 20).", schema: {type: integer, minimum: 0, maximum: 1000}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/JourneyModel"}
      responses:
        "200":
          description: Customers per stage under both models and the customers whose stage differs.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/SimulationReport"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "413": {$ref: "#/components/responses/PayloadTooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
  /v1/model:
    get:
      tags: [projections]
      operationId: getModel
      summary: The active journey model
      description: Needs scope `read`.
      responses:
        "200":
          description: The active model document.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/JourneyModel"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
    put:
      tags: [projections]
      operationId: activateModel
      summary: Validate and activate a model (rebuilding every projection under it beside the live views)
      description: |
        A model that is wrong is refused (400, with the JSON path at fault) and nothing changes.
        A valid one starts a rebuild of all projections under it; it becomes active when they
        switch. The same document again is a no-op (200). Needs scope `admin`.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/JourneyModel"}
      responses:
        "200":
          description: This model is already active.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Accepted"}
        "202":
          description: Valid; the rebuild under it started.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Accepted"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "409": {$ref: "#/components/responses/Conflict"}
        "410": {$ref: "#/components/responses/Gone"}
        "413": {$ref: "#/components/responses/PayloadTooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
  /v1/limits:
    get:
      tags: [operations]
      operationId: limits
      summary: The largest event and the largest request body the server takes
      description: What a client needs to size its batches (`journeyctl ingest --server` reads it). Needs scope `read`.
      responses:
        "200":
          description: The limits, in bytes.
          content:
            application/json:
              schema:
                type: object
                required: [maxEventBytes, maxBodyBytes]
                properties:
                  maxEventBytes: {type: integer}
                  maxBodyBytes: {type: integer}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/stats:
    get:
      tags: [operations]
      operationId: getStats
      summary: Events, customers, head position, sizes
      description: Needs scope `read`.
      responses:
        "200":
          description: Store statistics.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/StoreStatistics"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /v1/verify:
    post:
      tags: [operations]
      operationId: verify
      summary: Check the log's hash chain, positions and encoding, and that every sealed record opens
      description: |
        Walks the whole log (seconds for millions of events). On an encrypted store it also
        opens every sealed record's properties under its customer's key and lists those that do
        not open (`seals`); records of erased customers are counted, not opened. `sealed=false`
        checks the chain only. Needs scope `read`.
      parameters:
        - {name: sealed, in: query, description: "Open every sealed record (default true).", schema: {type: boolean}}
      responses:
        "200":
          description: The report; `ok` is false with the first bad position when something is wrong.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/VerifyReport"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
  /healthz:
    get:
      tags: [operations]
      operationId: health
      summary: Alive
      security: [{}]
      responses:
        "200":
          description: The process is up.
          content:
            application/json:
              schema:
                type: object
                required: [status]
                properties:
                  status: {type: string, const: ok}
  /readyz:
    get:
      tags: [operations]
      operationId: ready
      summary: Ready - the store is open and the projections are within the lag threshold
      security: [{}]
      responses:
        "200":
          description: Ready.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Readiness"}
        "503":
          description: Not ready (projections too far behind, or the store is closing).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Readiness"}
  /metrics:
    get:
      tags: [operations]
      operationId: metrics
      summary: Prometheus metrics
      security: [{}]
      responses:
        "200":
          description: Metrics in the Prometheus text format.
          content:
            text/plain:
              schema: {type: string}
  /openapi.yaml:
    get:
      tags: [operations]
      operationId: openapi
      summary: This document
      security: [{}]
      responses:
        "200":
          description: The OpenAPI document.
          content:
            application/yaml:
              schema: {type: string}
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
  parameters:
    CustomerId:
      name: id
      in: path
      required: true
      description: The customer id.
      schema: {type: string, minLength: 1, maxLength: 256}
    AsOf:
      name: asOf
      in: query
      description: Business time (RFC 3339) - the customer as of then.
      schema: {type: string, format: date-time}
    KnownAt:
      name: knownAt
      in: query
      description: Knowledge time (RFC 3339) - what the store knew then.
      schema: {type: string, format: date-time}
    MinPosition:
      name: minPosition
      in: query
      description: Wait until the views include this log position (at most the head; beyond it is a 400).
      schema: {type: integer, format: int64, minimum: 1, maximum: 9223372036854775807}
    Timeout:
      name: timeout
      in: query
      description: Seconds to wait for `minPosition` (default 5, at most 30).
      schema: {type: number, minimum: 0, maximum: 30}
    After:
      name: after
      in: query
      description: The `next` cursor of the previous page (the last customer id it listed).
      schema: {type: string}
    AdvocateAfter:
      name: after
      in: query
      description: The `next` cursor of the previous page (`<level number>:<customer id>`).
      schema: {type: string, pattern: "^[0-9]{1,3}:"}
    PageLimit:
      name: limit
      in: query
      description: Customers per page (default 100, at most 10000).
      schema: {type: integer, minimum: 1, maximum: 10000}
  responses:
    BadRequest:
      description: The request is wrong (a field, a line, a parameter); nothing was written.
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    Unauthorized:
      description: No valid bearer token (type `unauthorized`).
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    Forbidden:
      description: The token lacks the route's scope (type `forbidden`).
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    NotFound:
      description: No such customer, stage, level or projection (type `not_found`).
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    Conflict:
      description: A version conflict (`wrong_expected_version`), an id reused with different content (`event_id_conflict`), a rebuild already running (`conflict`), or an erasure asked of a store without encryption (`not_encrypted`); nothing was written.
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    Gone:
      description: The customer was erased (type `customer_erased`) - their stream takes no new events, and their past cannot be recomputed as of a time; nothing was written.
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    PayloadTooLarge:
      description: The body is over the limit (type `payload_too_large`).
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    UnsupportedMediaType:
      description: A content type the route does not take (type `unsupported_media_type`).
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    Unavailable:
      description: The views did not reach `minPosition` in time (type `timeout`), or the store is shutting down.
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
  schemas:
    Problem:
      type: object
      description: RFC 9457 problem details.
      required: [type, title, status, detail]
      properties:
        type: {type: string, description: "Stable kind, e.g. invalid_event, wrong_expected_version, event_id_conflict, payload_too_large, unsupported_media_type, unauthorized, forbidden, not_found, timeout, conflict, storage_error."}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
        instance: {type: string}
        field: {type: string, description: The event field at fault.}
        line: {type: integer, description: The NDJSON line at fault (1-based).}
        index: {type: integer, description: The array element at fault (0-based).}
        path: {type: string, description: The JSON path at fault in a model.}
        customerId: {type: string}
        expectedVersion: {type: string}
        actualVersion: {type: integer}
    NewEvent:
      type: object
      description: An event as a client sends it (Schemas/event.schema.json).
      required: [customerId, type]
      additionalProperties: false
      properties:
        id: {type: [string, "null"], minLength: 1, maxLength: 128}
        customerId: {type: string, minLength: 1, maxLength: 256}
        type: {type: string, minLength: 1, maxLength: 128}
        occurredAt: {type: [string, "null"], format: date-time}
        touchpoint: {type: [string, "null"], minLength: 1, maxLength: 256}
        channel: {type: [string, "null"], minLength: 1, maxLength: 256}
        sentiment: {type: [number, "null"], minimum: -1, maximum: 1}
        properties: {type: [object, "null"]}
        position: {type: [integer, "null"], minimum: 1, readOnly: true}
        version: {type: [integer, "null"], minimum: 1, readOnly: true}
        recordedAt: {type: [string, "null"], format: date-time, readOnly: true}
    CustomerAppend:
      type: object
      required: [events]
      additionalProperties: false
      properties:
        expectedVersion:
          description: any (default), no-stream, exists, or the stream's current version.
          oneOf:
            - {type: string, enum: [any, no-stream, exists]}
            - {type: integer, minimum: 0}
        events:
          type: array
          minItems: 1
          items: {$ref: "#/components/schemas/CustomerEvent"}
    CustomerEvent:
      type: object
      description: A NewEvent whose customerId may be omitted (it is the path's; if given it must match).
      required: [type]
      additionalProperties: false
      properties:
        id: {type: [string, "null"], minLength: 1, maxLength: 128}
        customerId: {type: string, minLength: 1, maxLength: 256}
        type: {type: string, minLength: 1, maxLength: 128}
        occurredAt: {type: [string, "null"], format: date-time}
        touchpoint: {type: [string, "null"], minLength: 1, maxLength: 256}
        channel: {type: [string, "null"], minLength: 1, maxLength: 256}
        sentiment: {type: [number, "null"], minimum: -1, maximum: 1}
        properties: {type: [object, "null"]}
    StoredEvent:
      type: object
      required: [position, version, id, customerId, type, occurredAt, recordedAt]
      properties:
        position: {type: integer}
        version: {type: integer}
        id: {type: string}
        customerId: {type: string}
        type: {type: string}
        occurredAt: {type: string}
        recordedAt: {type: string}
        touchpoint: {type: string}
        channel: {type: string}
        sentiment: {type: number}
        properties: {type: object}
        redacted:
          type: boolean
          description: The customer was erased - this event's properties are destroyed.
        erasure:
          type: boolean
          description: This is the customer's erasure record (who and why are in the audit of erasures).
    EventPage:
      type: object
      required: [events, next]
      properties:
        events:
          type: array
          items: {$ref: "#/components/schemas/StoredEvent"}
        next: {type: [integer, "null"]}
    AppendedEvent:
      type: object
      required: [id, customerId, position, version, duplicate]
      properties:
        id: {type: string}
        customerId: {type: string}
        position: {type: integer}
        version: {type: integer}
        duplicate: {type: boolean}
    AppendResult:
      type: object
      required: [events, headPosition, written, duplicates]
      properties:
        events:
          type: array
          items: {$ref: "#/components/schemas/AppendedEvent"}
        headPosition: {type: integer}
        written: {type: integer}
        duplicates: {type: integer}
    CustomerState:
      type: object
      required: [customerId, version, eventCount, stages, advocacy, modelVersion]
      properties:
        customerId: {type: string}
        stage: {type: [string, "null"]}
        since: {type: [string, "null"]}
        version: {type: integer}
        eventCount: {type: integer}
        firstSeen: {type: [string, "null"]}
        lastSeen: {type: [string, "null"]}
        stages:
          type: array
          items:
            type: object
            required: [stage, enteredAt]
            properties:
              stage: {type: string}
              enteredAt: {type: string}
        advocacy: {$ref: "#/components/schemas/Advocacy"}
        modelVersion: {type: string}
        asOf: {type: [string, "null"]}
        knownAt: {type: [string, "null"]}
        erasedAt:
          type: [string, "null"]
          description: When the customer was erased; the state is what the erasure kept (no personal values).
    ErasureRecord:
      type: object
      required: [customerId, position, version, eventId, erasedAt, erasedBy, duplicate]
      properties:
        customerId: {type: string}
        position: {type: integer, description: The erasure record's position in the log.}
        version: {type: integer}
        eventId: {type: string}
        erasedAt: {type: string}
        erasedBy: {type: string, description: "`token:<name>` (HTTP), `cli:<user>` (journeyctl), or `anonymous`."}
        reason: {type: [string, "null"]}
        duplicate: {type: boolean, description: The customer had already been erased; nothing changed.}
    Advocacy:
      type: object
      required: [level, detractor, actions, metrics]
      properties:
        level: {type: string}
        since: {type: [string, "null"]}
        detractor: {type: boolean}
        actions:
          type: object
          additionalProperties: {type: integer}
        metrics:
          type: object
          additionalProperties:
            type: object
            required: [value, at, position]
            properties:
              value: {type: number}
              at: {type: string}
              position: {type: integer}
    EventReference:
      type: object
      required: [eventId, position, type, occurredAt]
      properties:
        eventId: {type: string}
        position: {type: integer}
        type: {type: string}
        occurredAt: {type: string}
    Journey:
      type: object
      required: [customerId, modelVersion, transitions, advocacy, events]
      properties:
        customerId: {type: string}
        modelVersion: {type: string}
        asOf: {type: [string, "null"]}
        knownAt: {type: [string, "null"]}
        erasedAt: {type: [string, "null"]}
        transitions:
          type: array
          items:
            type: object
            required: [to, at, eventId, position, type, rule, regression, modelVersion]
            properties:
              from: {type: [string, "null"]}
              to: {type: string}
              at: {type: string}
              eventId: {type: string}
              position: {type: integer}
              type: {type: string}
              rule: {type: string}
              regression: {type: boolean}
              modelVersion: {type: string}
        advocacy:
          type: array
          items:
            type: object
            required: [from, to, at, eventId, position, evidence]
            properties:
              from: {type: string}
              to: {type: string}
              at: {type: string}
              eventId: {type: string}
              position: {type: integer}
              evidence:
                type: array
                items: {$ref: "#/components/schemas/EventReference"}
        events:
          type: array
          items:
            type: object
            required: [position, eventId, type, occurredAt, recordedAt, moved]
            properties:
              position: {type: integer}
              eventId: {type: string}
              type: {type: string}
              occurredAt: {type: string}
              recordedAt: {type: string}
              stage: {type: [string, "null"]}
              rule: {type: [string, "null"]}
              moved: {type: boolean}
              action: {type: [string, "null"]}
    Funnel:
      type: object
      required: [modelVersion, customers, noStage, stages]
      properties:
        modelVersion: {type: string}
        customers: {type: integer}
        noStage: {type: integer}
        stages:
          type: array
          items:
            type: object
            required: [stage, current, reached]
            properties:
              stage: {type: string}
              current: {type: integer}
              reached: {type: integer}
              conversionToNext: {type: [number, "null"]}
              toNext:
                type: [object, "null"]
                required: [customers]
                properties:
                  customers: {type: integer}
                  medianSeconds: {type: [number, "null"]}
                  p90Seconds: {type: [number, "null"]}
    CustomerPage:
      type: object
      required: [customers]
      properties:
        customers:
          type: array
          items:
            type: object
            required: [customerId]
            properties:
              customerId: {type: string}
              stage: {type: [string, "null"]}
              level: {type: [string, "null"]}
              since: {type: [string, "null"]}
        next: {type: [string, "null"]}
    RebuildProgress:
      type: object
      required: [name, generation, modelVersion, checkpoint, head, fraction, eventsPerSecond, switched]
      properties:
        name: {type: string}
        generation: {type: integer}
        modelVersion: {type: string}
        checkpoint: {type: integer}
        head: {type: integer}
        fraction: {type: number}
        eventsPerSecond: {type: number}
        etaSeconds: {type: [number, "null"]}
        switched: {type: boolean}
    ProjectionStatus:
      type: object
      required: [name, state, checkpoint, head, lag, generation, modelVersion, eventsPerSecond]
      properties:
        name: {type: string}
        state: {type: string, enum: [live, rebuilding]}
        checkpoint: {type: integer}
        head: {type: integer}
        lag: {type: integer}
        generation: {type: integer}
        modelVersion: {type: string}
        eventsPerSecond: {type: number}
        lastError: {type: [string, "null"]}
        rebuild:
          oneOf:
            - {type: "null"}
            - {$ref: "#/components/schemas/RebuildProgress"}
        faults: {type: integer, description: "Events applied without their properties because these did not open (GET /v1/projections/faults)."}
    ProjectionFault:
      type: object
      required: [position, eventId, customerId, problem]
      properties:
        position: {type: integer}
        eventId: {type: string}
        customerId: {type: string}
        problem: {type: string}
    Accepted:
      type: object
      required: [accepted, projections]
      properties:
        accepted: {type: boolean}
        projections:
          type: array
          items: {type: string}
        modelVersion: {type: [string, "null"]}
        detail: {type: string}
    JourneyModel:
      type: object
      description: A journey model document (Schemas/journey-model.schema.json).
    SimulationReport:
      type: object
      required: [liveModelVersion, alternativeModelVersion, events, headPosition, customers, stages, changedCustomers, sample]
      properties:
        liveModelVersion: {type: string}
        alternativeModelVersion: {type: string}
        events: {type: integer}
        headPosition: {type: integer}
        customers: {type: integer}
        stages:
          type: array
          items:
            type: object
            required: [stage, live, alternative]
            properties:
              stage: {type: string}
              live: {type: integer}
              alternative: {type: integer}
        changedCustomers: {type: integer}
        sample:
          type: array
          items:
            type: object
            required: [customerId]
            properties:
              customerId: {type: string}
              live: {type: [string, "null"]}
              alternative: {type: [string, "null"]}
    StoreStatistics:
      type: object
      required: [events, customers, headPosition, fileBytes, mapUsedBytes, mapSizeBytes, databaseBytes, format, encrypted, erasures]
      properties:
        format: {type: integer, description: The store format (2).}
        encrypted: {type: boolean, description: Properties are sealed under per-customer keys (erasure possible).}
        erasures: {type: integer, description: Customers erased.}
        events: {type: integer}
        customers: {type: integer}
        headPosition: {type: integer}
        fileBytes: {type: integer}
        mapUsedBytes: {type: integer}
        mapSizeBytes: {type: integer}
        databaseBytes:
          type: object
          additionalProperties: {type: integer}
    VerifyReport:
      type: object
      required: [ok, checked, head, headHash]
      properties:
        ok: {type: boolean}
        checked: {type: integer}
        head: {type: integer}
        headHash: {type: string}
        firstBadPosition: {type: integer}
        problem: {type: string}
        seals:
          type: object
          required: [checked, opened, erased, unreadableCount, unreadable]
          properties:
            checked: {type: boolean, description: "Whether sealed records were opened (false for an unencrypted store or sealed=false)."}
            opened: {type: integer}
            erased: {type: integer, description: "Sealed records of erased customers (their key is destroyed on purpose)."}
            unreadableCount: {type: integer}
            unreadable:
              type: array
              description: The first 100 records that do not open.
              items: {$ref: "#/components/schemas/ProjectionFault"}
    Readiness:
      type: object
      required: [ready, lag, threshold]
      properties:
        ready: {type: boolean}
        lag: {type: integer}
        threshold: {type: integer}
        detail: {type: string}
"""#
}
