import { type Static, Type } from "@sinclair/typebox";

/** The schemas of the REST API, defined once; types derive from them. */
export const stackModel = {
  createBody: Type.Object(
    {
      target_port: Type.Integer({ description: "the container port to expose (1-65535)" }),
      pod_spec: Type.String({ description: "the challenge's Pod manifest as YAML" }),
    },
    { additionalProperties: true },
  ),
  errorBody: Type.Object({ error: Type.String() }),
} as const;

export type CreateStackBody = Static<typeof stackModel.createBody>;
