enum TimelineCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        throw RuntimeError("not implemented yet")
    }
}
