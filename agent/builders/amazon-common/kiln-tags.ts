/**
 * Tags on everything Kiln creates in an account (instance, volumes, key pair, security group), so
 * the farm's leftover reaper can find what a dead job left: the host and agent process that ran
 * the build, and the build's name.
 */
import os from "node:os";
import type { Tag } from "@aws-sdk/client-ec2";

export const KILN_BUILD_TAG = "kiln:build";
export const KILN_HOST_TAG = "kiln:host";
export const KILN_PID_TAG = "kiln:pid";

export function kilnTags(buildName: string): Tag[] {
  return [
    { Key: KILN_BUILD_TAG, Value: buildName },
    { Key: KILN_HOST_TAG, Value: os.hostname() },
    { Key: KILN_PID_TAG, Value: String(process.pid) },
  ];
}

export function toTags(map: Record<string, string>): Tag[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}
