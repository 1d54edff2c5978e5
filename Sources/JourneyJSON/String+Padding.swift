extension String {
    /// The string with zeros in front, to at least `width` characters (hex bytes, time fields).
    package func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
