import Foundation
import JourneyCore
import JourneyPostgres
import JourneyStore
import Logging
import ServiceLifecycle

/// On a node whose log is on PostgreSQL: keeps the node's journey model the one the cluster
/// shares (`PUT /v1/model` on any node shares it, ``PostgresUpstream/shareModel(_:version:)``).
/// Every `poll` it reads the shared document; when its version is not the node's active one and
/// no rebuild runs here, it starts the same rebuild `PUT /v1/model` starts. A document this node
/// cannot activate is logged and tried again after `retry`, not on every poll.
struct ModelFollower: Service {
    let upstream: PostgresUpstream
    let state: ServerState
    var poll: Duration = .seconds(1)
    let retry: Duration = .seconds(60)

    func run() async throws {
        await cancelWhenGracefulShutdown { await follow() }
    }

    /// The last shared document this node failed to activate, and when.
    private let failed = FailedAttempt()

    private final class FailedAttempt: Sendable {
        let last = Mutex<(document: String, at: ContinuousClock.Instant)?>(nil)
    }

    private func follow() async {
        var failing = false
        while !Task.isCancelled {
            do {
                if let document = try await upstream.sharedModel(),
                   failed.last.withLock({ $0.map { $0.document != document || $0.at.duration(to: .now) > retry } ?? true }) {
                    if let problem = try adopt(document) {
                        state.logger.error("the cluster's journey model cannot be activated on this node: \(problem); trying again in \(retry)")
                        failed.last.withLock { $0 = (document, .now) }
                    }
                }
                if failing { state.logger.notice("reading the cluster's journey model again") }
                failing = false
            } catch {
                if !failing { state.logger.warning("cannot read the cluster's journey model: \(error); retrying") }
                failing = true
            }
            try? await Task.sleep(for: poll)
        }
    }

    /// Starts the rebuild under `document` when it is not this node's model; answers what stops
    /// it from being activated here, if anything.
    private func adopt(_ document: String) throws -> String? {
        let model: JourneyModel
        do {
            model = try JourneyModel.parse(document)
        } catch {
            return "the shared document is not a valid model (\(error))"
        }
        let active = try state.engine.queries.activeModel()
        if active.version == model.version {
            return active.document == model.document ? nil : "version \(model.version) is active here with different content"
        }
        // One rebuild at a time in this process: the one running (started by PUT /v1/model
        // here, or by this follower) ends under its model, and a later poll looks again. A
        // rebuild a killed process left behind is resumed (same model) or replaced.
        guard state.engine.rebuilder.rebuildingKinds.isEmpty else { return nil }
        state.logger.notice("the cluster's journey model is \(model.name) version \(model.version) (this node's: \(active.version)); rebuilding every projection under it")
        let state = self.state, failed = self.failed, retry = self.retry
        state.background.start {
            do {
                _ = try await BlockingWork.run { try state.engine.rebuilder.activate(model) }
                state.logger.notice("this node now runs the cluster's journey model \(model.version)")
            } catch {
                if !state.engine.rebuilder.rebuildingKinds.isEmpty {
                    // Refused beside a rebuild this node began meanwhile (PUT /v1/model here):
                    // a later poll looks again once it ends.
                    state.logger.debug("rebuild under the cluster's journey model \(model.version) not started: \(error)")
                    return
                }
                state.logger.error("rebuilding under the cluster's journey model \(model.version) stopped: \(error); trying again in \(retry)")
                failed.last.withLock { $0 = (document, .now) }
            }
        }
        return nil
    }
}

import Synchronization
