@testable import IdAllocators
import Testing

@Suite struct IdrTests {
    @Test func cyclicAllocationStartsAtCursorAndWraps() {
        let idr = Idr(capacity: 8192)
        #expect(idr.allocCyclic(start: 1, end: 10, value: 0) == 1)
        #expect(idr.allocCyclic(start: 1, end: 10, value: 0) == 2)
        #expect(idr.cursor == 3)
        idr.cursor = 9
        #expect(idr.allocCyclic(start: 1, end: 10, value: 0) == 9)
        // cursor 10 is past the end: wrap to start and take the first free.
        #expect(idr.allocCyclic(start: 1, end: 10, value: 0) == 3)
        #expect(idr.cursor == 4)
    }

    @Test func cyclicAllocationFailsWhenFull() {
        let idr = Idr(capacity: 4096)
        for _ in 0..<5 { #expect(idr.allocCyclic(start: 0, end: 5, value: 0) != nil) }
        #expect(idr.allocCyclic(start: 0, end: 5, value: 0) == nil)
        idr.remove(2)
        #expect(idr.allocCyclic(start: 0, end: 5, value: 0) == 2)
    }

    @Test func aPageThatEmptiesGoes() {
        let idr = Idr(capacity: 4 * IdPage.size)
        for _ in 0..<(3 * IdPage.size) { _ = idr.allocCyclic(start: 0, end: idr.capacity, value: 0) }
        #expect(idr.residentPages == 3)
        for id in 1..<(2 * IdPage.size) { idr.remove(id) }
        #expect(idr.residentPages == 2, "page 0 keeps id 0; page 1 is gone")
        #expect(idr.firstUsed(from: 1) == 2 * IdPage.size)
        #expect(idr.firstFree(from: IdPage.size, through: idr.capacity - 1) == IdPage.size)
        #expect(idr.allocExact(IdPage.size + 5, value: 9) && idr.value(at: IdPage.size + 5) == 9)
        #expect(idr.residentPages == 3)
    }

    @Test func exactAndLowest() {
        let idr = Idr(capacity: 8192)
        #expect(idr.allocExact(4100, value: 7))
        #expect(!idr.allocExact(4100, value: 8))
        #expect(idr.value(at: 4100) == 7)
        #expect(idr.allocLowest(from: 4100, value: 9) == 4101)
        #expect(idr.cursor == 0, "exact and lowest allocations leave the cursor alone")
        #expect(!idr.allocExact(8192, value: 0), "beyond capacity")
    }

    @Test func searchesCrossWordsAndPages() {
        let idr = Idr(capacity: 3 * 4096)
        for id in 0..<(2 * 4096 + 70) { #expect(idr.allocExact(id, value: Int32(id))) }
        #expect(idr.firstFree(from: 0, through: 100_000) == 2 * 4096 + 70)
        #expect(idr.firstFree(from: 0, through: 2 * 4096 + 69) == nil)
        idr.remove(4095)
        #expect(idr.firstFree(from: 10, through: 100_000) == 4095)
        #expect(idr.firstUsed(from: 2 * 4096 + 70) == nil)
        #expect(idr.firstUsed(from: 4095) == 4096)
        #expect(idr.count == 2 * 4096 + 69)
        var seen = 0
        idr.forEach { id, value in
            #expect(Int32(id) == value)
            seen += 1
        }
        #expect(seen == idr.count)
    }

    @Test func matchesAReferenceSetOnRandomOperations() {
        var rng = SplitMix(seed: 42)
        let idr = Idr(capacity: 4 * 4096)
        var reference = Set<Int>()
        for _ in 0..<20_000 {
            let id = Int(rng.next() % UInt64(4 * 4096))
            switch rng.next() % 3 {
            case 0:
                #expect(idr.allocExact(id, value: 1) == !reference.contains(id))
                reference.insert(id)
            case 1:
                idr.remove(id)
                reference.remove(id)
            default:
                let expected = (id..<(4 * 4096)).first { !reference.contains($0) }
                #expect(idr.firstFree(from: id, through: 4 * 4096 - 1) == expected)
                let used = (id..<(4 * 4096)).first { reference.contains($0) }
                #expect(idr.firstUsed(from: id) == used)
            }
        }
        #expect(idr.count == reference.count)
    }
}

/// A small deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
