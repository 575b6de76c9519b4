import Benchmark
import Glibc
import IdAllocators

// The simulated kernel's allocation cost and memory, through the same facade the filesystem
// uses: one automatic pid allocation and one free is a fork by init and the child's exit.

/// A machine (pid_max 4194304) with `live` tasks alive: init and its children.
func machine(live: Int) -> Kernel {
    let kernel = Kernel(pidMax: Limits.pidMaxLimit)
    let chunk = 10_000
    let forks = [Result<Syscall, Errno>](repeating: .success(.fork), count: chunk)
    var made = 1
    while made < live {
        let n = min(chunk, live - made)
        _ = kernel.run(Array(forks.prefix(n)), by: kernel.handle(ofPid: 1))
        made += n
    }
    return kernel
}

/// Resident memory of this process (statm), in bytes.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        vfscanf_wrapper(file, s, r)
    } }) == 2 else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func vfscanf_wrapper(_ file: UnsafeMutablePointer<FILE>, _ size: UnsafeMutablePointer<Int>, _ resident: UnsafeMutablePointer<Int>) -> Int32 {
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, 128, file) != nil else { return 0 }
    let fields = String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let s = Int(fields[0]), let r = Int(fields[1]) else { return 0 }
    size.pointee = s
    resident.pointee = r
    return 2
}

let benchmarks: @Sendable () -> Void = {
    for live in [1_000, 10_000, 100_000, 1_000_000, 4_000_000] {
        Benchmark(
            "fork+exit at \(live) live pids",
            configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
                                 maxDuration: .seconds(5), maxIterations: 1_000)
        ) { benchmark, kernel in
            let initTask = kernel.handle(ofPid: 1)
            for _ in benchmark.scaledIterations {
                guard case .success(let pid) = kernel.call(.fork, by: initTask) else { fatalError("fork failed") }
                _ = kernel.call(.exit(code: 0), by: kernel.handle(ofPid: Int32(pid)))
            }
        } setup: {
            machine(live: live)
        }
    }

    Benchmark(
        "memory at 1000000 tasks",
        configuration: .init(metrics: [.custom("bytes per task", useScalingFactor: false)], warmupIterations: 0, maxIterations: 1)
    ) { benchmark in
        let before = residentBytes()
        let kernel = machine(live: 1_000_000)
        let after = residentBytes()
        benchmark.measurement(.custom("bytes per task", useScalingFactor: false), (after - before) / 1_000_000)
        blackHole(kernel)
    }
}
