"""Networks in and out: AWS describe-* JSON (files, folders, Batfish snapshots), live boto3, Terraform state."""
