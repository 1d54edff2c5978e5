/// The default journey model, identical to `Schemas/journey-model.default.json` (a test checks).
/// Embedded so a store works without the repository's files.
extension JourneyModel {
    /// The default model's document.
    public static let defaultDocument = #"""
{
  "$schema": "./journey-model.schema.json",
  "name": "default",
  "version": "1",
  "description": "The default customer journey: six stages, first matching rule wins, forward-only progression.",
  "stages": ["awareness", "consideration", "decision", "onboarding", "retention", "advocacy"],
  "ruleMatching": "first",
  "rules": [
    {"id": "awareness", "stage": "awareness", "match": {"type": ["ad_click", "blog_view", "social_mention"]}},
    {"id": "consideration", "stage": "consideration", "match": {"type": ["product_view", "review_read", "webinar_attended", "comparison_view"]}},
    {"id": "decision", "stage": "decision", "match": {"type": ["pricing_view", "demo_requested", "trial_started", "checkout_started", "purchase"]}},
    {"id": "onboarding", "stage": "onboarding", "match": {"type": ["onboarding_email_opened", "first_login", "setup_completed"]}},
    {"id": "retention", "stage": "retention", "match": {"type": ["repeat_purchase", "support_ticket", "feature_used", "survey_response"]}},
    {"id": "retention-critical-review", "stage": "retention", "description": "A review rated below 4 is retention, not advocacy.", "match": {"type": "review_posted", "properties": [{"path": "rating", "op": "<", "value": 4}]}},
    {"id": "advocacy", "stage": "advocacy", "description": "Referrals, shares, and reviews rated 4 or more or unrated.", "match": {"type": ["referral_sent", "social_share", "review_posted"]}}
  ],
  "advocacy": {
    "actions": [
      {"id": "referral_sent", "match": {"type": "referral_sent"}},
      {"id": "social_share", "match": {"type": "social_share"}},
      {"id": "review_posted", "match": {"type": "review_posted", "properties": [{"path": "rating", "op": ">=", "value": 4}]}},
      {"id": "review_posted", "match": {"type": "review_posted", "properties": [{"path": "rating", "op": "exists", "value": false}]}}
    ],
    "metrics": [
      {"id": "nps", "description": "Net Promoter Score answers.", "match": {"type": "survey_response"}, "property": "nps"}
    ],
    "levels": [
      {"id": "promoter", "description": "Latest NPS of 9 or 10.", "when": [{"metric": "nps", "op": ">=", "value": 9}]},
      {"id": "advocate", "description": "At least one advocacy action.", "retain": true, "when": [{"actions": {}, "op": ">=", "value": 1}]},
      {"id": "champion", "description": "At least 3 advocacy actions of at least 2 kinds within 365 days.", "retain": true, "when": [
        {"actions": {"withinDays": 365}, "op": ">=", "value": 3},
        {"actionTypes": {"withinDays": 365}, "op": ">=", "value": 2}
      ]}
    ],
    "detractor": {"metric": "nps", "op": "<=", "value": 6}
  }
}
"""#

    /// The default model, used when no other is active.
    public static let defaultModel: JourneyModel = {
        do {
            return try JourneyModel.parse(defaultDocument)
        } catch {
            fatalError("the embedded default model is invalid: \(error)")
        }
    }()
}
