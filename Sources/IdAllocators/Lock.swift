import Glibc

/// A value behind a pthread mutex: the lock of every shared state in nextidfs.
///
/// Not Synchronization.Mutex: on Linux its contended paths take the lock in uninstrumented code
/// and in the kernel (FUTEX_LOCK_PI writes the new owner into the lock word), so ThreadSanitizer
/// sees no ordering between two holders and reports every access under the lock as a race.
/// ThreadSanitizer intercepts pthread_mutex_lock and unlock, so it sees this lock. The mutex and
/// the value share one heap allocation, whose address never changes.
public struct Lock<Value>: ~Copyable, @unchecked Sendable {
    private let storage: ManagedBuffer<Value, pthread_mutex_t>

    public init(_ value: consuming sending Value) {
        storage = .create(minimumCapacity: 1) { [value] _ in value }
        storage.withUnsafeMutablePointerToElements { _ = pthread_mutex_init($0, nil) }
    }

    deinit {
        storage.withUnsafeMutablePointerToElements { _ = pthread_mutex_destroy($0) }
    }

    /// Runs `body` on the value with the lock held.
    public borrowing func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        // The pointers stay valid: `storage` lives as long as self, and a buffer never moves.
        // The lock is what keeps the value to one thread at a time, which the region checker
        // cannot see through a pointer (hence nonisolated(unsafe)).
        nonisolated(unsafe) let value = storage.withUnsafeMutablePointerToHeader { $0 }
        let mutex = storage.withUnsafeMutablePointerToElements { $0 }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
