packer {
  required_version = ">= 1.6.0"
}

variable "setting_0" {
  type        = string
  default     = "value-0"
  description = "Setting number 0 for the images."
  validation {
    condition     = length(var.setting_0) > 3
    error_message = "The setting_0 value must be longer than 3 characters."
  }
}

variable "setting_1" {
  type        = string
  default     = "value-1"
  description = "Setting number 1 for the images."
  validation {
    condition     = length(var.setting_1) > 3
    error_message = "The setting_1 value must be longer than 3 characters."
  }
}

variable "setting_2" {
  type        = string
  default     = "value-2"
  description = "Setting number 2 for the images."
  validation {
    condition     = length(var.setting_2) > 3
    error_message = "The setting_2 value must be longer than 3 characters."
  }
}

variable "setting_3" {
  type        = string
  default     = "value-3"
  description = "Setting number 3 for the images."
  validation {
    condition     = length(var.setting_3) > 3
    error_message = "The setting_3 value must be longer than 3 characters."
  }
}

variable "setting_4" {
  type        = string
  default     = "value-4"
  description = "Setting number 4 for the images."
  validation {
    condition     = length(var.setting_4) > 3
    error_message = "The setting_4 value must be longer than 3 characters."
  }
}

variable "setting_5" {
  type        = string
  default     = "value-5"
  description = "Setting number 5 for the images."
  validation {
    condition     = length(var.setting_5) > 3
    error_message = "The setting_5 value must be longer than 3 characters."
  }
}

variable "setting_6" {
  type        = string
  default     = "value-6"
  description = "Setting number 6 for the images."
  validation {
    condition     = length(var.setting_6) > 3
    error_message = "The setting_6 value must be longer than 3 characters."
  }
}

variable "setting_7" {
  type        = string
  default     = "value-7"
  description = "Setting number 7 for the images."
  validation {
    condition     = length(var.setting_7) > 3
    error_message = "The setting_7 value must be longer than 3 characters."
  }
}

variable "tags" {
  type = map(string)
  default = {
    Owner       = "platform"
    Environment = "dev"
  }
}

locals {
  timestamp  = regex_replace(timestamp(), "[- TZ:]", "")
  names      = [for i in range(3) : "image-${i}"]
  all_tags   = merge(var.tags, { Built = local.timestamp })
  upper_tags = { for k, v in local.all_tags : upper(k) => v if v != "" }
  greeting   = "%{if var.setting_0 != ""}Hello ${var.setting_0}%{else}Hello%{endif}"
}

source "docker" "img0" {
  image       = "ubuntu:20.04"
  commit      = true
  run_command = ["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]
  changes = [
    "LABEL version=0",
    "ENV NAME=${local.names[0]}",
  ]
}

source "docker" "img1" {
  image       = "ubuntu:20.04"
  commit      = true
  run_command = ["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]
  changes = [
    "LABEL version=1",
    "ENV NAME=${local.names[1]}",
  ]
}

source "docker" "img2" {
  image       = "ubuntu:20.04"
  commit      = true
  run_command = ["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]
  changes = [
    "LABEL version=2",
    "ENV NAME=${local.names[2]}",
  ]
}

source "docker" "img3" {
  image       = "ubuntu:20.04"
  commit      = true
  run_command = ["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]
  changes = [
    "LABEL version=3",
    "ENV NAME=${local.names[0]}",
  ]
}

build {
  name    = "images"
  sources = ["source.docker.img0", "source.docker.img1", "source.docker.img2", "source.docker.img3"]


  provisioner "shell" {
    inline = [
      "echo step 0 on ${source.name}",
      "echo ${upper(var.setting_0)}",
    ]
    environment_vars = [for k, v in local.all_tags : "${k}=${v}"]
    pause_before     = "0s"
  }


  provisioner "shell" {
    inline = [
      "echo step 1 on ${source.name}",
      "echo ${upper(var.setting_1)}",
    ]
    environment_vars = [for k, v in local.all_tags : "${k}=${v}"]
    pause_before     = "1s"
  }


  provisioner "shell" {
    inline = [
      "echo step 2 on ${source.name}",
      "echo ${upper(var.setting_2)}",
    ]
    environment_vars = [for k, v in local.all_tags : "${k}=${v}"]
    pause_before     = "2s"
  }


  provisioner "shell" {
    inline = [
      "echo step 3 on ${source.name}",
      "echo ${upper(var.setting_3)}",
    ]
    environment_vars = [for k, v in local.all_tags : "${k}=${v}"]
    pause_before     = "3s"
  }


  provisioner "shell" {
    inline = [
      "echo step 4 on ${source.name}",
      "echo ${upper(var.setting_4)}",
    ]
    environment_vars = [for k, v in local.all_tags : "${k}=${v}"]
    pause_before     = "4s"
  }


  provisioner "shell" {
    inline = [
      "echo step 5 on ${source.name}",
      "echo ${upper(var.setting_5)}",
    ]
    environment_vars = [for k, v in local.all_tags : "${k}=${v}"]
    pause_before     = "5s"
  }


  provisioner "shell" {
    inline = [<<-EOT
      set -e
      for n in ${join(" ", local.names)}; do
        echo "$n"
      done
    EOT
    ]
  }

  post-processor "docker-tag" {
    repository = "example/images"
    tags       = ["latest", local.timestamp]
    only       = ["docker.img0"]
  }
}
