import Glibc
/// The restore planner: an image in, the plan that rebuilds its world out. It never refuses a
/// world that exists: it searches for a history (`HistorySolver`) that the scheduler can turn
/// into steps; an image that contradicts itself is refused with the reason.
public enum Planner {
    public static func plan(_ image: Image) throws(PlanError) -> Plan {
        let facts = try Facts(image)
        var steps: [Step]? = nil
        var lastError: PlanError? = nil
        for patient in [false, true] where steps == nil {
            var solver = HistorySolver(facts)
            solver.patient = patient
            _ = solver.solve { history in
                var scheduler = Scheduler(facts, history)
                switch Result(catching: { () throws(PlanError) in try scheduler.run() }) {
                case .success(let s):
                    steps = s
                    return true
                case .failure(let e):
                    debugLog("planner: \(history.founder.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }): \(e)")
                    lastError = e
                    return false
                }
            }
        }
        guard let steps else { throw lastError ?? PlanError("no history explains this world") }
        var plan = Plan()
        plan.steps = steps
        let threads = image.processes.reduce(0) { $0 + $1.threads.count }
        plan.summary = "\(image.processes.count) processes, \(threads) threads, \(image.objects.count) IPC objects"
        return plan
    }
}

let debugPlanner = getenv("NEXTIDFS_PLANNER_DEBUG") != nil

/// NEXTIDFS_PLANNER_DEBUG: the search's steps on stderr.
func debugLog(_ text: @autoclosure () -> String) {
    if debugPlanner { let line = text() + "\n"; _ = line.withCString { write(2, $0, strlen($0)) } }
}
