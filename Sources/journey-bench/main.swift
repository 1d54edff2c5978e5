// journey-bench: the journey store's benchmark. Prints figures; asserts nothing.
//
//   swift run -c release journey-bench [--dataset FILE] [--work DIR] [--seconds N]
//
// Without --dataset it generates ../shared/bench/gen_events.py --customers 100000
// --events 1000000 --seed 42 into the work folder first.
import ArgumentParser
import Foundation
import JourneyStore

let options = BenchOptions.parseOrExit()
let bench = Benchmarks(options: options)
do {
    try await bench.runAll()
} catch {
    FileHandle.standardError.write(Data("journey-bench: \(error)\n".utf8))
    exit(1)
}
