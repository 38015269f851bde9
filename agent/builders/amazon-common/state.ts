/** What the amazon builders' steps read from the template and hand each other. */
import type { EC2Client, Image, Instance } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { AmazonAmiConfig } from "../../../shared/components/builders/amazon-ami-config.js";
import type { AmazonAccessConfig } from "../../../shared/components/builders/amazon-common.js";
import type { AmazonRunConfig } from "../../../shared/components/builders/amazon-run-config.js";

/** What the launch steps read: who we are and Packer's RunConfig. */
export type RunSettings = AmazonRunConfig & { access: AmazonAccessConfig };

/** What the AMI steps read: who we are and Packer's AMIConfig. */
export type AmiSettings = AmazonAmiConfig & { access: AmazonAccessConfig };

export interface Clients {
  /** The build region's client. */
  ec2: EC2Client;
  /** A client for another region (ami_regions copies), made once per region. */
  clientFor(region: string): Promise<EC2Client>;
  /** IAM (global), made on first use: only instance profile steps need it. */
  iam(): Promise<IAMClient>;
}

export interface SourceResolved {
  sourceImage: Image;
}

/** Where the instance launches: given in the template, or found by its filters. */
export interface NetworkResolved {
  network: { vpcId?: string; subnetId?: string; availabilityZone?: string };
}

export interface KeyPairReady {
  /** Set when a key pair is used (temporary or `ssh_keypair_name`). */
  keyPairName?: string;
  /** Private key text of a temporary key pair. */
  privateKey?: string;
}

export interface SecurityGroupsReady {
  securityGroupIds: string[];
}

export interface InstanceProfileReady {
  /** iam_instance_profile, or the temporary one made from the policy document; undefined = none. */
  instanceProfile?: string;
}

export interface InstanceRunning {
  instanceId: string;
  instance: Instance;
}

export interface AmisCreated {
  /** AMI id per region, the build region first. */
  amis: Record<string, string>;
  /**
   * With encrypt_boot or skip_save_build_region, the build region's image is only the source of
   * the copies (random name): destroyed with its snapshots once they exist, or on failure.
   */
  intermediaryAmi?: string;
}
