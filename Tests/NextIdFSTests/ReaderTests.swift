@testable import IdAllocators
@testable import NextIdFS
import Testing

/// self, thread-self, the reader's own entry and `attach` (docs/interface.md §2.5), with the real
/// processes given by a table instead of the host's /proc.
@Suite struct ReaderTests {
    /// Readers by host pid; `gone` ones have exited.
    final class Table: ReaderDirectory, @unchecked Sendable {
        var readers: [Int32: Reader] = [:]
        func reader(hostPid: Int32) -> Reader? { readers[hostPid] }
        func file(_ name: String, of reader: Reader, thread: Bool) -> [UInt8]? {
            name == "stat" ? Array("\(reader.hostPid) (sh) S 77 77 77 0 -1 0 0\n".utf8) : Array("sh\n".utf8)
        }
        func number(of hostPid: Int32, seenBy reader: Reader) -> Int32 { hostPid == 77 ? 1 : 0 }
    }

    let table = Table()
    let fs: Filesystem
    let a = Reader(hostPid: 5001, hostTgid: 5000, pid: 40000, tid: 40001, pidNamespace: 4_026_532_000, uid: 0, gid: 0, startTime: 10)
    /// Another process in a's pid namespace.
    let c = Reader(hostPid: 7000, hostTgid: 7000, pid: 40002, tid: 40002, pidNamespace: 4_026_532_000, uid: 0, gid: 0, startTime: 30)
    let b = Reader(hostPid: 6000, hostTgid: 6000, pid: 40000, tid: 40000, pidNamespace: 4_026_532_001, uid: 1000, gid: 100, startTime: 20)

    init() {
        var leader = a
        leader.hostPid = 5000
        leader.tid = 40000
        table.readers = [5001: a, 5000: leader, 6000: b, 7000: c]
        fs = Filesystem(kernel: Kernel(pidMax: 65536), readers: Readers(directory: table))
    }

    func caller(_ r: Reader) -> Caller { Caller(uid: r.uid, gid: r.gid, pid: r.hostPid) }

    func inode(_ names: String..., as who: Caller) -> Result<UInt64, Errno> {
        var node: Result<UInt64, Errno> = .success(1)
        for n in names { node = node.flatMap { fs.lookup(parent: $0, name: Array(n.utf8), as: who).map(\.inode) } }
        return node
    }

    func link(_ name: String, as who: Caller) -> String {
        (try? fs.readlink(inode(name, as: who).get(), as: who).get()).map { String(decoding: $0, as: UTF8.self) } ?? "<error>"
    }

    func read(_ names: String..., as who: Caller) -> Result<String, Errno> {
        var node: Result<UInt64, Errno> = .success(1)
        for n in names { node = node.flatMap { fs.lookup(parent: $0, name: Array(n.utf8), as: who).map(\.inode) } }
        return node.flatMap { fs.open($0) }.flatMap { fs.read($0, offset: 0, size: 4096, as: who) }.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func selfIsTheReadersOwnEntrySeenOnlyByIt() throws {
        #expect(link("self", as: caller(a)) == "40000")
        #expect(link("thread-self", as: caller(a)) == "40000/task/40001")
        #expect(link("self", as: Caller(uid: 0, gid: 0, pid: 0)) == "<error>", "a reader the daemon cannot see has no self")
        let entry = try fs.getattr(inode("40000", as: caller(b)).get()).get()
        #expect(entry.uid == 1000 && entry.caching == .reader, "its owner, never kept by the kernel")
        #expect(inode("40000", "task", "40001", as: caller(a)).map { _ in true } == .success(true))
        #expect(inode("40000", "task", "40001", as: caller(b)).map { _ in true } == .failure(.ENOENT), "b's task/ has no 40001")
        #expect(inode("40000", as: Caller(uid: 0, gid: 0, pid: 7)) .map { _ in true } == .failure(.ENOENT))
        #expect(read("40000", "stat", as: caller(a)) == .success("40000 (sh) S 1 1 1 0 -1 0 0\n"), "pids as its namespace has them")
        #expect(read("40000", "task", "40001", "stat", as: caller(a)) == .success("40001 (sh) S 1 1 1 0 -1 0 0\n"))
        var names: [String] = []
        _ = fs.readdir(1, from: 0) { names.append(String(decoding: $0.name, as: UTF8.self)); return true }
        #expect(!names.contains("40000") && names.contains("self") && names.contains("thread-self"))
    }

    @Test func aSimulatedTaskWithTheReadersPidWins() throws {
        let k = fs.kernel
        #expect(k.setPendingIds(of: k.handle(ofPid: 1), PendingIds([40000])) == .success(0))
        #expect(k.call(.fork, by: k.handle(ofPid: 1)) == .success(40000))
        #expect(read("40000", "stat", as: caller(a)).map { $0.hasPrefix("40000 (init) S 1 ") } == .success(true))
    }

    @Test func attachMakesSelfTheSimulatedProcessForTheWholeNamespace() throws {
        let k = fs.kernel
        #expect(k.call(.fork, by: k.handle(ofPid: 1)) == .success(2))
        let attach = try fs.open(inode("attach", as: caller(a)).get()).get()
        func write(_ text: String, as who: Caller) -> Result<Int, Errno> {
            fs.write(attach, WriteRequest(data: ArraySlice(Array(text.utf8)), offset: 0, caller: who)).result
        }
        #expect(write("2\n", as: caller(b)) == .failure(.EPERM), "root only")
        #expect(write("3\n", as: caller(a)) == .failure(.ESRCH), "no such process")
        #expect(write("x\n", as: caller(a)) == .failure(.EINVAL))
        #expect(write("2\n", as: caller(a)) == .success(2))
        #expect(link("self", as: caller(a)) == "2")
        #expect(link("thread-self", as: caller(a)) == "2/task/2", "the process's leader thread")
        #expect(read("attach", as: caller(a)) == .success("2\n"))
        #expect(link("self", as: caller(c)) == "2", "the whole namespace is attached")
        #expect(link("self", as: caller(b)) == "40000", "another namespace is not attached")
        table.readers[5000] = nil  // the process that attached has gone
        table.readers[5001] = nil
        #expect(link("self", as: caller(c)) == "40002", "an attachment lasts while the process that made it lives")
    }

    @Test func readerStatusShowsItsOwnNamespacesNumbers() {
        let status = Array("Name:\tsh\nTgid:\t5000\nPid:\t5001\nPPid:\t77\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nNStgid:\t5000\t40000\nNSpid:\t5001\t40001\nNSpgid:\t77\t1\nNSsid:\t77\t1\n".utf8)
        let out = ReaderFormats.status(status, reader: a, pid: 40001) { $0 == 77 ? 1 : 0 }
        #expect(String(decoding: out, as: UTF8.self) == "Name:\tsh\nTgid:\t40000\nPid:\t40001\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nNStgid:\t40000\nNSpid:\t40001\nNSpgid:\t1\nNSsid:\t1\n")
    }
}
