public enum JourneyCommand { public static func runFromCommandLine() async {} }
