import type { HostileCase } from "./hostile-cases.ts";
import { containerCases } from "./hostile-container-cases.ts";
import { envCases } from "./hostile-env-cases.ts";
import { handlerCases } from "./hostile-handler-cases.ts";
import { imageCases } from "./hostile-image-cases.ts";
import { metadataCases } from "./hostile-metadata-cases.ts";
import { podLevelAccepted, podLevelCases } from "./hostile-pod-cases.ts";
import { securityCases } from "./hostile-security-cases.ts";
import { volumeCases } from "./hostile-volume-cases.ts";

/** Every case of the hostile corpus, by area. */
export const hostileCorpus: Record<string, HostileCase[]> = {
  "pod-level fields": [...podLevelCases, ...podLevelAccepted],
  metadata: metadataCases,
  images: imageCases,
  containers: containerCases,
  env: envCases,
  "probes and hooks": handlerCases,
  volumes: volumeCases,
  "Pod Security": securityCases,
};
