public import Hummingbird
public import HummingbirdAuth
import NIOCore

/// The request context of every route: Hummingbird's core storage, the connection's channel
/// (so that an answer that leaves the body unread can close the connection), and the
/// caller's identity once authentication has run.
public struct JourneyRequestContext: AuthRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    let channel: (any Channel)?
    /// Who is asking, once ``TokenAuthenticator`` has run.
    public var identity: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// A body that closes the connection once it is out (the answer also says
    /// `Connection: close`): the rest of the request's body is never read, so the connection
    /// cannot carry another request. The close is a lingering one, as nginx's: the write side
    /// is shut first (the client reads the whole answer, then end of stream), what the client
    /// still sends is read and dropped for at most `linger`, then the connection closes. Closing
    /// at once would reset a client that is still sending, and a reset loses the answer.
    func closingBody(_ bytes: [UInt8], linger: TimeAmount = .seconds(2)) -> ResponseBody {
        let channel = channel
        return ResponseBody(contentLength: bytes.count) { writer in
            try await writer.write(ByteBuffer(bytes: bytes))
            try await writer.finish(nil)
            guard let channel else { return }
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }
}
