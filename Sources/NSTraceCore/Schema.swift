public enum NSTraceCoreVersion { public static let schema = 1 }
