import { Validations } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/** The operator's admin API key: generated once at deploy, read by the functions marked `adminKey`. */
export class AdminKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, "Secret", {
      description: "Admin API key for the SMS analytics API (creates apps). Read it with get-secret-value.",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The admin key is a bearer credential held by the operator, who rotates it with put-secret-value; " +
        "an automatic rotation would silently lock the operator out of app management.",
    });
  }
}
