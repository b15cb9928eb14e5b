import { Validations } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

export interface GeneratedSecretProps {
  readonly description: string;
  /** Why it is not rotated automatically (the cdk-nag SMG4 acknowledgement). */
  readonly noRotationReason: string;
}

/** A random 48-character secret generated at deploy, read by the functions whose spec lists it. */
export class GeneratedSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, "Secret", {
      description: props.description,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.secret).acknowledge({ id: "AwsSolutions-SMG4", reason: props.noRotationReason });
  }
}

/** The operator's admin API key (creates apps). */
export function adminKeySecret(scope: Construct): GeneratedSecret {
  return new GeneratedSecret(scope, "AdminKey", {
    description: "Admin API key for the SMS analytics API (creates apps). Read it with get-secret-value.",
    noRotationReason:
      "The admin key is a bearer credential held by the operator, who rotates it with put-secret-value; " +
      "an automatic rotation would silently lock the operator out of app management.",
  });
}

/** The server secret that webhook tokens are derived from (HMAC), so they are never stored in clear. */
export function serverSecret(scope: Construct): GeneratedSecret {
  return new GeneratedSecret(scope, "ServerSecret", {
    description: "Derives the SMS analytics webhook tokens. Changing it invalidates every webhook URL.",
    noRotationReason:
      "Every provider holds a webhook URL derived from this secret; rotating it would silently break " +
      "every receipt feed. Per-connector tokens rotate through the API (rotateWebhookToken) instead.",
  });
}
