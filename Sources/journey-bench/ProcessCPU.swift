import Foundation

/// The CPU time this process has used (user + system, every thread), from `getrusage`. A
/// benchmark line prints the difference over its run beside the wall time: how many of the
/// machine's cores the run kept busy.
struct ProcessCPU {
    let seconds: Double

    static func now() -> ProcessCPU {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return ProcessCPU(seconds: s(usage.ru_utime) + s(usage.ru_stime))
    }

    /// `  CPU 9.6 s (1.45 cores)`: the CPU used since `self`, over `wall` seconds. Work that could
    /// keep both cores busy and shows well under 2 was waiting for something (the disk, a lock).
    func used(over wall: Double) -> String {
        let cpu = ProcessCPU.now().seconds - seconds
        return String(format: "  CPU %.1f s (%.2f cores)", cpu, wall > 0 ? cpu / wall : 0)
    }
}
