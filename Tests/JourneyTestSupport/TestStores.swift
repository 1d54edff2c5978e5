public import JourneyStore

extension EventStore {
    /// Opens a store with the tests' master key (the one child `journeyctl` processes get).
    public convenience init(testKeyed directory: String) throws {
        var c = StoreConfiguration(directory: directory)
        c.masterKey = try MasterKey(text: ProcessRunner.testMasterKey)
        try self.init(c)
    }
}
