/** The API server also refuses unknown and duplicate fields instead of dropping them. */
export const strictFields = { fieldValidation: "Strict" };
