/// On/off settings given in environment variables (`JOURNEY_UNENCRYPTED=1`): `1`, `true` and
/// `yes` (any case) mean on; anything else, or no value, off.
public enum EnvironmentFlag {
    public static func isOn(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "true", "yes"].contains(value.lowercased())
    }
}
