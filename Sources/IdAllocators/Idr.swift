/// The kernel's IDR as pid and IPC allocation use it: a sparse map from ids to values with a
/// cyclic cursor (`idr_next`).
///
/// Storage is paged: a page covers 4096 ids with a used-bit per id, a value per id, and one
/// summary bit per 64-id word ("word full", "word not empty"). Two more summary bitmaps over the
/// pages answer "next page with a free id" and "next page with a used id". Finding the first
/// free or used id at or after any id costs a few word operations whatever the number of live
/// ids, so allocation stays O(1) from a thousand to millions of pids.
final class Idr {
    /// `idr_next`: where the next cyclic allocation starts looking.
    @exclusivity(unchecked) var cursor: Int = 0
    let capacity: Int
    @exclusivity(unchecked) private(set) var count = 0

    @exclusivity(unchecked) private var pages: [IdPage?] = []
    /// Bit p set: page p has at least one free id (a page not yet materialised is all free).
    @exclusivity(unchecked) private var pagesWithFree: [UInt64]
    /// Bit p set: page p has at least one used id.
    @exclusivity(unchecked) private var pagesWithUsed: [UInt64]

    init(capacity: Int) {
        precondition(capacity > 0 && capacity % IdPage.size == 0)
        self.capacity = capacity
        let pageCount = capacity / IdPage.size
        let words = (pageCount + 63) / 64
        pagesWithFree = [UInt64](repeating: 0, count: words)
        pagesWithUsed = [UInt64](repeating: 0, count: words)
        for p in 0..<pageCount { pagesWithFree[p >> 6] |= 1 << UInt64(p & 63) }
    }

    private var pageCount: Int { capacity / IdPage.size }

    /// Pages in memory (a page with no id in use is not).
    var residentPages: Int { pages.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    // MARK: lookup

    func contains(_ id: Int) -> Bool {
        guard id >= 0, id < capacity else { return false }
        let p = id >> IdPage.shift
        guard p < pages.count, let page = pages[p] else { return false }
        return page.isUsed(id & IdPage.mask)
    }

    /// The value stored at `id`, or nil when the id is free.
    func value(at id: Int) -> Int32? {
        guard id >= 0, id < capacity else { return nil }
        let p = id >> IdPage.shift
        guard p < pages.count, let page = pages[p], page.isUsed(id & IdPage.mask) else { return nil }
        return page.values[id & IdPage.mask]
    }

    // MARK: searching

    /// The first free id in `from...last`, or nil.
    func firstFree(from: Int, through last: Int) -> Int? {
        let last = min(last, capacity - 1)
        var id = max(from, 0)
        while id <= last {
            let p = id >> IdPage.shift
            guard p < pages.count, let page = pages[p] else { return id }
            if let offset = page.firstFree(from: id & IdPage.mask) {
                let found = (p << IdPage.shift) + offset
                return found <= last ? found : nil
            }
            guard let next = Idr.nextSetBit(in: pagesWithFree, after: p, limit: pageCount) else { return nil }
            id = next << IdPage.shift
        }
        return nil
    }

    /// The first used id at or after `from`, or nil.
    func firstUsed(from: Int) -> Int? {
        var id = max(from, 0)
        while id < capacity {
            let p = id >> IdPage.shift
            if p < pages.count, let page = pages[p], let offset = page.firstUsed(from: id & IdPage.mask) {
                return (p << IdPage.shift) + offset
            }
            guard let next = Idr.nextSetBit(in: pagesWithUsed, after: p, limit: pageCount) else { return nil }
            id = next << IdPage.shift
        }
        return nil
    }

    /// Every used id in increasing order with its value.
    func forEach(_ body: (Int, Int32) throws -> Void) rethrows {
        var id = firstUsed(from: 0)
        while let current = id {
            try body(current, value(at: current)!)
            id = firstUsed(from: current + 1)
        }
    }

    // MARK: allocation

    /// `idr_alloc` of exactly `id`: false when it is taken.
    func allocExact(_ id: Int, value: Int32) -> Bool {
        guard id >= 0, id < capacity, !contains(id) else { return false }
        insert(id, value: value)
        return true
    }

    /// `idr_alloc(start, capacity)`: the lowest free id from `start`.
    func allocLowest(from start: Int, value: Int32) -> Int? {
        guard let id = firstFree(from: start, through: capacity - 1) else { return nil }
        insert(id, value: value)
        return id
    }

    /// `idr_alloc_cyclic(start, end)`: the first free id in `[max(cursor, start), end)`, else
    /// wrap once to `start`; the cursor moves past the id handed out. `end` is exclusive.
    func allocCyclic(start: Int, end: Int, value: Int32) -> Int? {
        let last = end - 1
        var from = cursor
        if from < start { from = start }
        var found = from <= last ? firstFree(from: from, through: last) : nil
        if found == nil, from > start {
            found = firstFree(from: start, through: last)
        }
        guard let id = found else { return nil }
        insert(id, value: value)
        cursor = id + 1
        return id
    }

    func remove(_ id: Int) {
        guard contains(id) else { return }
        let p = id >> IdPage.shift
        let page = pages[p]!
        page.clear(id & IdPage.mask)
        count -= 1
        let bit: UInt64 = 1 << UInt64(p & 63)
        pagesWithFree[p >> 6] |= bit
        if page.count == 0 {
            // An empty page goes (a missing page is all free): cyclic allocation walks the whole
            // range, and the pages it left behind would stay for good.
            pagesWithUsed[p >> 6] &= ~bit
            pages[p] = nil
        }
    }

    private func insert(_ id: Int, value: Int32) {
        let p = id >> IdPage.shift
        if p >= pages.count { pages.append(contentsOf: repeatElement(nil, count: p + 1 - pages.count)) }
        let page: IdPage
        if let existing = pages[p] {
            page = existing
        } else {
            page = IdPage()
            pages[p] = page
        }
        page.set(id & IdPage.mask, value: value)
        count += 1
        let bit: UInt64 = 1 << UInt64(p & 63)
        pagesWithUsed[p >> 6] |= bit
        if page.count == IdPage.size { pagesWithFree[p >> 6] &= ~bit }
    }

    /// Index of the first set bit strictly after `index`, below `limit`.
    private static func nextSetBit(in words: [UInt64], after index: Int, limit: Int) -> Int? {
        var i = index + 1
        while i < limit {
            let w = i >> 6
            let word = words[w] & (~0 << UInt64(i & 63))
            if word != 0 {
                let found = (w << 6) + word.trailingZeroBitCount
                return found < limit ? found : nil
            }
            i = (w + 1) << 6
        }
        return nil
    }
}

/// 4096 ids: a used bit and a value each, with per-word summaries.
final class IdPage {
    static let shift = 12
    static let size = 1 << shift
    static let mask = size - 1

    @exclusivity(unchecked) private var used: InlineArray<64, UInt64> = .init(repeating: 0)
    @exclusivity(unchecked) var values: InlineArray<4096, Int32> = .init(repeating: -1)
    /// Bit w set: word w has all 64 ids used.
    @exclusivity(unchecked) private var fullWords: UInt64 = 0
    /// Bit w set: word w has at least one used id.
    @exclusivity(unchecked) private var nonEmptyWords: UInt64 = 0
    @exclusivity(unchecked) private(set) var count = 0

    func isUsed(_ offset: Int) -> Bool {
        used[offset >> 6] & (1 << UInt64(offset & 63)) != 0
    }

    func set(_ offset: Int, value: Int32) {
        let w = offset >> 6
        let word = used[w] | (1 << UInt64(offset & 63))
        used[w] = word
        values[offset] = value
        count += 1
        nonEmptyWords |= 1 << UInt64(w)
        if word == ~0 { fullWords |= 1 << UInt64(w) }
    }

    func clear(_ offset: Int) {
        let w = offset >> 6
        let word = used[w] & ~(1 << UInt64(offset & 63))
        used[w] = word
        values[offset] = -1
        count -= 1
        fullWords &= ~(1 << UInt64(w))
        if word == 0 { nonEmptyWords &= ~(1 << UInt64(w)) }
    }

    func firstFree(from offset: Int) -> Int? {
        let w = offset >> 6
        let word = used[w] | ((1 << UInt64(offset & 63)) &- 1)
        if word != ~0 { return (w << 6) + (~word).trailingZeroBitCount }
        let later = w == 63 ? 0 : ~fullWords & (~0 << UInt64(w + 1))
        guard later != 0 else { return nil }
        let w2 = later.trailingZeroBitCount
        return (w2 << 6) + (~used[w2]).trailingZeroBitCount
    }

    func firstUsed(from offset: Int) -> Int? {
        let w = offset >> 6
        let word = used[w] & (~0 << UInt64(offset & 63))
        if word != 0 { return (w << 6) + word.trailingZeroBitCount }
        let later = w == 63 ? 0 : nonEmptyWords & (~0 << UInt64(w + 1))
        guard later != 0 else { return nil }
        let w2 = later.trailingZeroBitCount
        return (w2 << 6) + used[w2].trailingZeroBitCount
    }
}
