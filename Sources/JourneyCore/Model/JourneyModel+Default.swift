/// The default journey model: `Schemas/journey-model.default.json`, embedded at build time (a
/// SwiftPM resource, `.embedInCode`), so a store works without the repository's files.
extension JourneyModel {
    /// The default model's document.
    public static let defaultDocument = String(decoding: PackageResources.journey_model_default_json, as: UTF8.self)

    /// The default model, used when no other is active.
    public static let defaultModel: JourneyModel = {
        do {
            return try JourneyModel.parse(defaultDocument)
        } catch {
            fatalError("the embedded default model is invalid: \(error)")
        }
    }()
}
