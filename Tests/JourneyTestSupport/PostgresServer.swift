import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL 15 (Debian's `postgresql-15`) in a temporary folder on a free loopback
/// port, for one test: `initdb` with trust authentication for the user `journey`, started with
/// `pg_ctl`, stopped (immediately) and removed when the object goes away. As root, the server
/// runs as the `postgres` user (PostgreSQL refuses root).
public final class PostgresServer: @unchecked Sendable {
    // Safe to share: every property is set once in init, but `stopped`, behind its Mutex; the
    // methods only start programs.
    public static let bin = "/usr/lib/postgresql/15/bin"
    public let folder: String
    public let port: Int
    public let user = "journey"
    public let database = "postgres"

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A new server; `settings` are extra `-c` options (e.g. `synchronous_standby_names='*'`).
    public init(settings: [String] = []) throws {
        (folder, port) = try Self.prepare()
        self.settings = settings
        try run(Self.bin + "/initdb", ["-D", folder + "/data", "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"])
        try start()
    }

    /// A streaming standby of `primary` (`pg_basebackup -R`): read-only until ``promote()``.
    public init(standbyOf primary: PostgresServer) throws {
        (folder, port) = try Self.prepare()
        // Not the primary's settings: a promoted standby with `synchronous_standby_names` and no
        // standby of its own would wait for ever on every commit.
        settings = []
        try run(Self.bin + "/pg_basebackup", ["-h", "127.0.0.1", "-p", "\(primary.port)", "-U", user, "-D", folder + "/data", "-R", "-X", "stream", "--no-sync"])
        try start()
    }

    private let settings: [String]

    private static func prepare() throws -> (String, Int) {
        guard FileManager.default.isExecutableFile(atPath: Self.bin + "/postgres") else {
            throw Failure(description: "PostgreSQL 15 is not installed (\(Self.bin)): apt-get install -y postgresql-15 (make deps does)")
        }
        let folder = "/tmp/journey-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if getuid() == 0, let pw = getpwnam("postgres") {
            chown(folder, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        chmod(folder, 0o700)
        return (folder, try freePort())
    }

    /// Starts the server (again, after ``kill()``) on its port.
    public func start() throws {
        let options = ["-p \(port)", "-k \(folder)", "-c listen_addresses=127.0.0.1", "-c max_connections=60", "-c wal_retrieve_retry_interval=200ms"]
            + settings.map { "-c \($0)" }
        try run(Self.bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "30", "-o", options.joined(separator: " "), "start"])
    }

    /// Stops the server at once, as a crash would (`-m immediate`), keeping its folder.
    public func kill() throws {
        try run(Self.bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
    }

    /// The output of one SQL statement run by `psql` (unaligned, tuples only).
    public func psql(_ sql: String) throws -> String {
        let out = folder + "/psql.out"
        try? FileManager.default.removeItem(atPath: out)
        try run(Self.bin + "/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-At", "-c", sql])
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops (`SIGSTOP`) or resumes (`SIGCONT`) the postmaster and all its processes: a host
    /// that went silent, its connections open and unanswered.
    public func signalAll(_ signal: Int32) throws {
        let pidFile = try String(contentsOfFile: folder + "/data/postmaster.pid", encoding: .utf8)
        guard let postmaster = pidFile.split(separator: "\n").first.flatMap({ pid_t($0) }) else { throw Failure(description: "no postmaster pid") }
        var pids = [postmaster]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster { pids.append(pid) }
        }
        for pid in pids { Glibc.kill(pid, signal) }
    }

    /// Promotes a standby to primary and waits until it takes writes.
    public func promote() throws {
        try run(Self.bin + "/pg_ctl", ["-D", folder + "/data", "-w", "-t", "30", "promote"])
    }

    private let stopped = Mutex(false)

    /// Stops the server (immediately: nothing of a test's database is kept) and removes its
    /// folder. Also done when the object goes away; call it at the end of a test to be sure.
    public func stop() {
        guard !stopped.withLock({ let was = $0; $0 = true; return was }) else { return }
        try? signalAll(SIGCONT)  // a test that stopped it (signalAll(SIGSTOP)) and failed half way
        try? run(Self.bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    deinit { stop() }

    /// Runs a PostgreSQL program (as `postgres` when this process is root) and waits for it;
    /// throws with its output when it fails. `posix_spawn` and `waitpid`, not `Process`: the
    /// server that `pg_ctl` leaves running must not keep anything of ours waiting.
    private func run(_ program: String, _ arguments: [String]) throws {
        let argv = getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", program] + arguments
            : [program] + arguments
        let outPath = folder + "/\((program as NSString).lastPathComponent).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw Failure(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)\n\(log)")
        }
    }

    /// Ports handed out in this process (two servers starting at once never get the same one).
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port free on 127.0.0.1, below the kernel's ephemeral range (32768 up): a port the
    /// kernel picked (bind to 0) could meanwhile become another test's client connection's
    /// local port, and the server's bind then fails with "Address already in use" (seen once
    /// in CI).
    private static func freePort() throws -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(candidate).inserted }) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(candidate).bigEndian
            let bound = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return candidate }
        }
        throw Failure(description: "no free port on 127.0.0.1 between 20000 and 32000")
    }
}
