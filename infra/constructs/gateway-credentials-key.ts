import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import { type IKey, Key } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { GATEWAY_CREDENTIALS_PURPOSE } from "../../shared/services/payments/gateway-settings.js";

export interface GatewayCredentialsKeyProps {
  readonly stage: string;
  /**
   * Applied to the key and its alias. Deleting the key makes every sealed credential unreadable, so
   * anything but a throw-away stage keeps it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What a function does with sealed gateway credentials (shared/adapters/secrets/kms-secret-box.ts):
 * `seal-and-open` for the admin routes that store them (`PUT /v1/gateways/{gateway}`), `open` for
 * everything that only calls a gateway.
 */
export type GatewayCredentialUse = "seal-and-open" | "open";

const KEY_ACTIONS: Record<GatewayCredentialUse, readonly string[]> = {
  "seal-and-open": ["kms:Encrypt", "kms:Decrypt"],
  open: ["kms:Decrypt"],
};

/** The variable functions/deps.ts reads to seal and open with KMS (shared/config.ts). */
export const GATEWAY_KEY_ENV = "GATEWAY_KEY_ARN";

/**
 * The customer-managed key tenants' payment-gateway credentials are sealed with, directly (they are
 * far below KMS's 4 KB limit, so there are no data keys). Rotated yearly by KMS; old ciphertexts
 * still open. The key policy is CDK's default (the account's IAM decides), and the only IAM grants
 * are `grantGatewayCredentials`, each bound to the credentials' encryption-context purpose.
 */
export class GatewayCredentialsKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: GatewayCredentialsKeyProps) {
    super(scope, id);
    this.key = new Key(this, "Key", {
      description: `Seals tenants' payment gateway credentials (isp-billing ${props.stage})`,
      alias: `alias/isp-billing-${props.stage}-gateway-credentials`,
      enableKeyRotation: true,
      // The longest wait KMS allows: a key scheduled for deletion by mistake can still be saved.
      pendingWindow: Duration.days(30),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}

/**
 * Lets one function use the key for gateway credentials and nothing else: only the actions of its
 * use, only on this key, and only with the credentials' encryption-context purpose. Tenant and
 * gateway are in the context too, but they are run-time values no policy can list.
 */
export function grantGatewayCredentials(key: IKey, grantee: IGrantable, use: GatewayCredentialUse): void {
  Grant.addToPrincipal({
    grantee,
    actions: [...KEY_ACTIONS[use]],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { "kms:EncryptionContext:purpose": GATEWAY_CREDENTIALS_PURPOSE } },
  });
}
