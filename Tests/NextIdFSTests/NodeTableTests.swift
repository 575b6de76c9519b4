import IdAllocators
@testable import NextIdFS
import Testing

/// The tree's table (NodeKind.rows): every kind described once, and the descriptions agree
/// with one another.
@Suite struct NodeTableTests {
    @Test func everyKindHasOneRowAndASpec() {
        for kind in NodeKind.allCases {
            #expect(NodeKind.rows.filter { $0.kind == kind }.count == 1, "\(kind)")
            #expect(NodeSpec.table[Int(kind.rawValue)]?.kind == kind, "\(kind) is not reachable from the root")
        }
    }

    @Test func entriesShareTheirDirectorysTaskAndHaveDistinctNames() {
        for kind in NodeKind.allCases {
            let spec = kind.spec
            #expect(spec.scope != .machine || spec.owner == .root, "\(kind): a machine node has no task to own it")
            #expect(spec.type == .directory || (spec.entries.isEmpty && spec.taskEntries == nil), "\(kind)")
            #expect(Set(spec.entries.map(\.name)).count == spec.entries.count, "\(kind)")
            for entry in spec.entries {
                #expect(entry.scope == spec.scope && !entry.name.isEmpty, "\(entry.kind) in \(kind)")
            }
            if let (child, _) = spec.taskEntries {
                #expect(child.scope != .machine && child.name.isEmpty, "\(child.kind) in \(kind)")
            }
        }
    }

    @Test func fileTypesServeWhatTheTypeSays() {
        for kind in NodeKind.allCases {
            let spec = kind.spec
            #expect((spec.file != nil) == (spec.type == .regular), "\(kind)")
            #expect((spec.link != nil) == (spec.type == .symlink), "\(kind)")
        }
    }

    @Test func inodeNumbersRoundTrip() {
        for kind in NodeKind.allCases {
            let node = kind.spec.scope == .machine ? NodeRef(kind: kind) : NodeRef(kind: kind, tid: 4_194_303, serial: TaskHandle.serialMask)
            #expect(NodeRef(inode: node.inode) == node, "\(kind)")
        }
        #expect(NodeRef(kind: .root).inode == 1)
        #expect(NodeRef(inode: NodeRef(kind: .uptime).inode | 1 << 8) == nil, "a machine node names no task")
    }
}
