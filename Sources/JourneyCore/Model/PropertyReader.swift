import JourneyJSON
import JourneyStore

/// Evaluates a model's property predicates on an event's `properties` (read with ``JSONPath``).
enum PropertyReader {
    /// Whether `predicate` holds for an event with these properties (`nil`: no properties).
    static func holds(_ predicate: PropertyPredicate, properties: UnsafeRawBufferPointer?) -> Bool {
        let found = properties.flatMap { JSONPath.value(at: predicate.path, in: $0) }
        switch predicate.op {
        case .exists:
            let present = found != nil && found != .null
            return present == (predicate.value == .bool(true))
        case .equals:
            guard let found else { return false }
            return found == predicate.value
        case .oneOf:
            guard let found, case .array(let options) = predicate.value else { return false }
            return options.contains(found)
        case .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual:
            guard case .number(let a)? = found, case .number(let b) = predicate.value else { return false }
            return predicate.op.compare(a, b)
        }
    }
}

