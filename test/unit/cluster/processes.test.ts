import { describe, expect, it } from "bun:test";
import { mentionsFolder } from "../../../tools/cluster/processes.ts";

describe("mentionsFolder", () => {
  const dir = "/root/.cache/stackd/clusters/bench";

  it("finds the folder named as an argument, after =, or in a list", () => {
    expect(mentionsFolder(`etcd --data-dir ${dir}/etcd`, dir)).toBe(true);
    expect(mentionsFolder(`kwok --kubeconfig=${dir}/kubeconfig`, dir)).toBe(true);
    expect(mentionsFolder(`x --files=/a,${dir}/b`, dir)).toBe(true);
    expect(mentionsFolder(`x --path /a:${dir}/b`, dir)).toBe(true);
    expect(mentionsFolder(`x --root ${dir}`, dir)).toBe(true);
    expect(mentionsFolder(`x --root=${dir}/`, `${dir}/`)).toBe(true);
  });

  it("does not take another cluster whose folder only starts the same", () => {
    expect(mentionsFolder(`etcd --data-dir ${dir}-record/etcd`, dir)).toBe(false);
    expect(mentionsFolder(`kwok --kubeconfig=${dir}2/kubeconfig`, dir)).toBe(false);
  });

  it("does not take a path that only ends with the folder's path", () => {
    expect(mentionsFolder(`x --data /mnt${dir}/etcd`, dir)).toBe(false);
  });

  it("finds a later mention after a false one", () => {
    expect(mentionsFolder(`x ${dir}-record/a ${dir}/b`, dir)).toBe(true);
  });
});
