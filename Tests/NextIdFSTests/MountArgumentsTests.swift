import IdAllocators
@testable import NextIdFS
import Testing

/// The daemon's command line in mount.fuse3's calling convention (docs/interface.md §9).
@Suite struct MountArgumentsTests {
    func parse(_ positionals: [String], _ options: [String] = [], pidMax: Int? = nil) throws(MountArgumentError) -> DaemonOptions {
        try MountArguments.parse(positionals: positionals, options: options, pidMax: pidMax)
    }

    func error(_ positionals: [String], _ options: [String] = [], pidMax: Int? = nil) -> MountArgumentError? {
        do { _ = try parse(positionals, options, pidMax: pidMax) } catch { return error }
        return nil
    }

    @Test func mountpointAlone() throws {
        let options = try parse(["/mnt/x"])
        var expected = DaemonOptions(mountpoint: "/mnt/x")
        expected.fsname = "nextidfs"
        expected.pidMax = Limits.defaultPidMax
        #expect(options == expected)
    }

    @Test func sourceThenMountpoint() throws {
        let options = try parse(["world1", "/mnt/x"])
        #expect(options.mountpoint == "/mnt/x")
        #expect(options.fsname == "world1")
    }

    @Test func positionalCount() {
        #expect(error([]) == .missingMountpoint)
        #expect(error(["a", "b", "c"]) == .tooManyArguments(["a", "b", "c"]))
        #expect(error(["a", "b", "c"])?.description.contains("usage: nextidfs [options] [SOURCE] MOUNTPOINT") == true)
    }

    /// mount.fuse3's own call, byte for byte as measured (tools.md §6).
    @Test func mountFuse3Call() throws {
        let options = try parse(["nextidfs", "/mnt/x"], ["rw,allow_other,pid_max=1000,dev,suid"])
        #expect(options.allowOther)
        #expect(options.pidMax == 1000)
        #expect(options.extraOptions == ["rw", "dev", "suid"])
        #expect(options.fsname == "nextidfs")
    }

    @Test func mountOnlyKeysAreIgnored() throws {
        let options = try parse(["/m"], ["nofail,_netdev,noauto,auto,user,users,nouser,owner,group,defaults",
                                          "x-systemd.automount,x-gvfs-hide,comment=systemd.automount,,"])
        #expect(options.extraOptions == [])
        #expect(!options.allowOther)
        #expect(options.pidMax == Limits.defaultPidMax)
    }

    @Test func libfuseKeysPassInOrder() throws {
        let options = try parse(["/m"], ["ro", "max_read=4096,default_permissions", "noatime"])
        #expect(options.extraOptions == ["ro", "max_read=4096", "default_permissions", "noatime"])
        // Near misses of nextidfs's and mount(8)'s keys are libfuse's to judge (it refuses them).
        #expect(try parse(["/m"], ["pid_maxx=5,nofailx,x_y,setuid,drop_privileges2"]).extraOptions
                == ["pid_maxx=5", "nofailx", "x_y", "setuid", "drop_privileges2"])
    }

    @Test(arguments: [301, 1000, Limits.pidMaxLimit])
    func pidMaxOption(_ value: Int) throws {
        #expect(try parse(["/m"], ["pid_max=\(value)"]).pidMax == value)
        #expect(try parse(["/m"], pidMax: value).pidMax == value)
    }

    @Test(arguments: ["pid_max=300", "pid_max=4194305", "pid_max=abc", "pid_max=", "pid_max", "pid_max=-5",
                      "pid_max=1e3", "pid_max= 1000", "pid_max=0x400", "pid_max=99999999999999999999999"])
    func badPidMaxOption(_ key: String) {
        let value = String(key.dropFirst("pid_max=".count))
        #expect(error(["/m"], ["allow_other," + key]) == .badPidMax(option: "-o pid_max", value: value))
    }

    @Test func maxThreadsOption() throws {
        #expect(try parse(["/m"]).workers == DaemonOptions.cpus)
        #expect(try parse(["/m"], ["max_threads=1"]).workers == 1)
        #expect(try parse(["/m"], ["max_threads=8,allow_other"]).workers == 8)
        #expect(try parse(["/m"], ["max_threads=8,allow_other"]).extraOptions == [])
    }

    @Test(arguments: ["0", "1025", "", "-1", "two", "0x4"])
    func badMaxThreads(_ value: String) {
        #expect(error(["/m"], ["max_threads=" + value]) == .badMaxThreads(value))
    }

    @Test func badPidMaxFlag() {
        #expect(error(["/m"], pidMax: 300) == .badPidMax(option: "--pid-max", value: "300"))
        #expect(error(["/m"], pidMax: -1) == .badPidMax(option: "--pid-max", value: "-1"))
        #expect(error(["/m"], pidMax: 300)?.description == "--pid-max '300': pid_max must be a decimal number within 301...4194304")
    }

    /// mount(8) appends the command line's -o to the fstab's: the last one counts.
    @Test func lastPidMaxWins() throws {
        #expect(try parse(["/m"], ["pid_max=1000,pid_max=2000"]).pidMax == 2000)
        #expect(try parse(["/m"], ["pid_max=2000", "pid_max=1000"]).pidMax == 1000)
    }

    @Test func pidMaxGivenBothWays() {
        #expect(error(["/m"], ["pid_max=1000"], pidMax: 1000) == .pidMaxTwice)
    }

    @Test func fsnameReplacesSource() throws {
        let options = try parse(["src", "/m"], ["fsname=world,allow_other"])
        #expect(options.fsname == "world")
        #expect(options.extraOptions == [])
        #expect(options.fuseOptions == "default_permissions,auto_unmount,fsname=world,subtype=nextidfs,allow_other")
    }

    @Test func fsnameIsEscapedForLibfuse() throws {
        let options = try parse(["a,b\\c", "/m"])
        #expect(options.fuseOptions == #"default_permissions,auto_unmount,fsname=a\,b\\c,subtype=nextidfs"#)
    }

    @Test(arguments: [("setuid=alice", "setuid="), ("drop_privileges", "drop_privileges")])
    func helperKeysAreRefused(_ key: String, _ reported: String) {
        #expect(error(["/m"], ["rw," + key]) == .helperOption(reported))
        #expect(error(["/m"], [key])?.description.contains("mount.fuse3") == true)
    }

    /// drop_privileges: mount.fuse3 mounted already and passes the /dev/fuse descriptor.
    @Test func passedFuseDescriptorIsRefused() {
        #expect(error(["nextidfs", "/dev/fd/3"], ["rw"]) == .passedFuseFd("/dev/fd/3"))
        #expect(error(["/dev/fd/17"]) == .passedFuseFd("/dev/fd/17"))
        #expect(error(["/dev/fd/3"])?.description.contains("drop_privileges") == true)
        for path in ["/dev/fd/", "/dev/fd/3a", "/dev/fdx/3", "/tmp/dev/fd/3"] {
            #expect(!MountArguments.isPassedFuseFd(path), "\(path)")
        }
    }
}
